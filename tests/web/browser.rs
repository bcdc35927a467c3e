//! Debian's headless Chromium driven over the DevTools protocol (`headless_chrome`), and a
//! page of our chat in it: fields filled, keys pressed, buttons clicked with the mouse, and
//! the DOM read again and again until what a test waits for is there, or its deadline passes.
//!
//! Each DevTools call through `headless_chrome` takes 100–200 ms (its reader thread holds
//! the socket in reads with a 100-ms timeout, and a call waits for it), so the helpers make
//! as few as a person's actions allow: a tab is brought to the front only when another one
//! is, a click is one script (scroll into view, find the middle) and the mouse's three events.

use headless_chrome::browser::tab::point::Point;
use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::protocol::cdp::Emulation;
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::{Browser, LaunchOptions, Tab};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long a page has to show what a test waits for: generous, for two loaded cores.
pub const WAIT: Duration = Duration::from_secs(20);

/// One Chromium process; killed when dropped, so a failed test leaves none behind.
pub struct Chromium {
    browser: Browser,
    /// The target id of the tab in front.
    in_front: Arc<Mutex<String>>,
}

impl Chromium {
    /// Starts `$CHROMIUM`, else `/usr/bin/chromium` (`scripts/test` installs it), headless.
    pub fn start() -> Chromium {
        let path = std::env::var_os("CHROMIUM")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
        let options = LaunchOptions::default_builder()
            .path(Some(path))
            // Chromium's sandbox refuses to run as root (CI, containers); the pages are ours.
            .sandbox(false)
            .window_size(Some((1000, 700)))
            // Silence between events is normal in a test that waits on a server.
            .idle_browser_timeout(Duration::from_secs(600))
            .build()
            .expect("launch options");
        let browser = Browser::new(options).expect("start chromium (apt-get install chromium)");
        Chromium {
            browser,
            in_front: Arc::default(),
        }
    }

    /// A new tab showing `url`, loaded.
    pub fn page(&self, url: &str) -> Page {
        let tab = self.browser.new_tab().expect("a new tab");
        let console = Arc::new(Mutex::new(Vec::new()));
        tab.enable_log().expect("Log.enable");
        let sink = console.clone();
        tab.add_event_listener(Arc::new(move |event: &Event| {
            if let Event::LogEntryAdded(e) = event {
                sink.lock().unwrap().push(e.params.entry.text.clone());
            }
        }))
        .expect("listen to the console");
        tab.navigate_to(url).expect("navigate");
        tab.wait_until_navigated().expect("the page loads");
        // A new tab opens in front.
        *self.in_front.lock().unwrap() = tab.get_target_id().clone();
        let page = Page {
            tab,
            console,
            in_front: self.in_front.clone(),
        };
        page.wait(
            "the script has run",
            "document.getElementById('server').value !== ''",
        );
        page
    }
}

/// One tab with the chat page.
pub struct Page {
    pub tab: Arc<Tab>,
    console: Arc<Mutex<Vec<String>>>,
    in_front: Arc<Mutex<String>>,
}

impl Page {
    /// The value of the JavaScript expression `expr`, through JSON.
    pub fn eval(&self, expr: &str) -> Value {
        let js = format!("JSON.stringify((() => ({expr}))() ?? null)");
        let result = self.tab.evaluate(&js, false).expect("evaluate");
        match result.value {
            Some(Value::String(json)) => serde_json::from_str(&json).expect("JSON back"),
            other => panic!("{expr} gave {other:?} ({:?})", result.description),
        }
    }

    /// Waits until `expr` is truthy and returns its value; after [`WAIT`] fails, saying
    /// `what` never happened and what the page showed.
    #[track_caller]
    pub fn wait(&self, what: &str, expr: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let value = self.eval(expr);
            let truthy =
                !matches!(&value, Value::Null | Value::Bool(false)) && value != "" && value != 0;
            if truthy {
                return value;
            }
            if Instant::now() >= deadline {
                panic!(
                    "{what}: not within {WAIT:?}; the page shows {}",
                    self.dump()
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the page shows, for failure messages.
    pub fn dump(&self) -> String {
        let js = "({status: text('#status'), error: text('#error'), form: text('#connect-error'),
            reconnect: text('#reconnect'), users: texts('#users li'), lines: texts('#messages li')})";
        let helpers = "const text = (s) => document.querySelector(s).textContent;
            const texts = (s) => [...document.querySelectorAll(s)].map((e) => e.textContent);";
        let value = self.eval(&format!("(() => {{ {helpers} return {js}; }})()"));
        serde_json::to_string_pretty(&value).unwrap()
    }

    /// Brings the tab to the front: a background tab is not rendered, so a click (which
    /// scrolls its target into view first) or a screenshot there would wait for ever.
    pub fn front(&self) {
        let mut in_front = self.in_front.lock().unwrap();
        let me = self.tab.get_target_id();
        if *in_front != *me {
            self.tab.activate().expect("bring the tab to the front");
            *in_front = me.clone();
        }
    }

    /// Selects what the field `#id` holds and types `text` over it (Backspace when empty).
    pub fn fill(&self, id: &str, text: &str) {
        self.front();
        self.eval(&format!(
            "(() => {{ const e = document.getElementById('{id}'); e.focus(); e.select(); return 1; }})()"
        ));
        if text.is_empty() {
            self.tab.press_key("Backspace").expect("clear the field");
        } else {
            self.tab.send_character(text).expect("type");
        }
    }

    /// Clicks the element `selector` with the mouse, in its middle, scrolled into view.
    pub fn click(&self, selector: &str) {
        self.front();
        let middle = self.eval(&format!(
            "(() => {{ const e = document.querySelector({}); if (!e) return null;
                e.scrollIntoView({{block: 'nearest'}}); const r = e.getBoundingClientRect();
                return [r.x + r.width / 2, r.y + r.height / 2]; }})()",
            js_string(selector)
        ));
        let (Some(x), Some(y)) = (middle[0].as_f64(), middle[1].as_f64()) else {
            panic!("no {selector} to click on the page: {}", self.dump());
        };
        self.tab.click_point(Point { x, y }).expect("click");
    }

    pub fn press_enter(&self) {
        self.front();
        self.tab.press_key("Enter").expect("Enter");
    }

    /// Fills the connect form as `nick` (and `password`, if not empty), connects, and waits
    /// for the status to say connected.
    pub fn connect(&self, nick: &str, password: &str) {
        self.fill("name", nick);
        self.fill("password", password);
        self.click("#connect-button");
        self.wait_connected(nick);
    }

    #[track_caller]
    pub fn wait_connected(&self, nick: &str) {
        self.wait(
            &format!("{nick} is connected"),
            "document.getElementById('status').dataset.state === 'connected'",
        );
    }

    /// Types `line` in the message field and presses Enter.
    pub fn send(&self, line: &str) {
        self.fill("input", line);
        self.press_enter();
    }

    /// Waits for a line of the message list containing `needle`; returns its text.
    #[track_caller]
    pub fn wait_line(&self, needle: &str) -> String {
        let expr = format!(
            "[...document.querySelectorAll('#messages li')].map((li) => li.textContent)
                .find((t) => t.includes({}))",
            js_string(needle)
        );
        let line = self.wait(&format!("a line with {needle:?}"), &expr);
        line.as_str().unwrap().to_string()
    }

    /// The list item with `needle` in its text, as `{kind, classes, mark, id, count}`.
    pub fn line(&self, needle: &str) -> Value {
        self.eval(&format!(
            "(() => {{ const all = [...document.querySelectorAll('#messages li')]
                .filter((li) => li.textContent.includes({}));
              const li = all[0]; if (!li) return null;
              const mark = li.querySelector('.mark');
              return {{kind: li.dataset.kind, classes: li.className, id: li.dataset.id ?? null,
                mark: mark ? mark.dataset.state : null, count: all.length}}; }})()",
            js_string(needle)
        ))
    }

    /// Waits until the mark of our line with `needle` is in `state` (`delivered`, `failed`).
    #[track_caller]
    pub fn wait_mark(&self, needle: &str, state: &str) -> String {
        let expr = format!(
            "(() => {{ const li = [...document.querySelectorAll('#messages li.own')]
                .find((li) => li.textContent.includes({}));
              const mark = li && li.querySelector('.mark[data-state={state}]');
              return mark ? mark.textContent : null; }})()",
            js_string(needle)
        );
        let text = self.wait(&format!("{needle:?} marked {state}"), &expr);
        text.as_str().unwrap().to_string()
    }

    /// Waits until the user list is exactly `names` (sorted as the page sorts them).
    #[track_caller]
    pub fn wait_users(&self, names: &[&str]) {
        self.wait_list("users", "nick", names);
    }

    /// Waits until the `data-<key>`s of the items of the list `#<id>` are exactly `items`,
    /// in order.
    #[track_caller]
    pub fn wait_list(&self, id: &str, key: &str, items: &[&str]) {
        let want = serde_json::to_string(items).unwrap();
        self.wait(
            &format!("the list #{id} {want}"),
            &format!(
                "JSON.stringify([...document.querySelectorAll('#{id} li')]
                    .map((li) => li.dataset.{key})) === {}",
                js_string(&want)
            ),
        );
    }

    /// The text of the element `selector`.
    pub fn text(&self, selector: &str) -> String {
        let value = self.eval(&format!(
            "document.querySelector({}).textContent",
            js_string(selector)
        ));
        value.as_str().unwrap_or_default().to_string()
    }

    /// Waits until the element `selector` shows text containing `needle`.
    #[track_caller]
    pub fn wait_text(&self, selector: &str, needle: &str) -> String {
        let expr = format!(
            "(() => {{ const e = document.querySelector({}); const t = e && e.textContent;
                return t && t.includes({}) ? t : null; }})()",
            js_string(selector),
            js_string(needle)
        );
        let text = self.wait(&format!("{selector} showing {needle:?}"), &expr);
        text.as_str().unwrap().to_string()
    }

    /// The console's messages about the Content-Security-Policy (none, for a page that obeys it).
    pub fn csp_complaints(&self) -> Vec<String> {
        let console = self.console.lock().unwrap();
        console
            .iter()
            .filter(|t| t.contains("Content Security Policy"))
            .cloned()
            .collect()
    }

    /// A phone-sized viewport (390 × 700 CSS pixels, as a small phone) and/or a dark scheme.
    pub fn emulate(&self, phone: bool, dark: bool) {
        if phone {
            self.tab
                .call_method(Emulation::SetDeviceMetricsOverride {
                    width: 390,
                    height: 700,
                    device_scale_factor: 1.0,
                    mobile: true,
                    scale: None,
                    screen_width: None,
                    screen_height: None,
                    position_x: None,
                    position_y: None,
                    dont_set_visible_size: None,
                    screen_orientation: None,
                    viewport: None,
                    display_feature: None,
                    device_posture: None,
                })
                .expect("phone size");
        }
        let scheme = if dark { "dark" } else { "light" };
        self.tab
            .call_method(Emulation::SetEmulatedMedia {
                media: None,
                features: Some(vec![Emulation::MediaFeature {
                    name: "prefers-color-scheme".into(),
                    value: scheme.into(),
                }]),
            })
            .expect("colour scheme");
    }

    /// Saves a PNG of the page as `<name>.png` in `$CHAT_SCREENSHOTS`, when that is set.
    pub fn screenshot(&self, name: &str) {
        let Some(dir) = std::env::var_os("CHAT_SCREENSHOTS") else {
            return;
        };
        self.front();
        let png = self
            .tab
            .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
            .expect("screenshot");
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write the screenshot");
    }
}

/// `text` as a JavaScript string literal.
pub fn js_string(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}
