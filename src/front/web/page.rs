//! The web page, built into the binary (no build step, no CDN): the files of `page/`, each
//! with its content type. The scripts are classic ones, loaded in order by `index.html`:
//! `dom.js` first (the elements and the state the others share), `app.js` last.

/// A file of the page.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Asset {
    /// Where it is served.
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

const JS: &str = "text/javascript; charset=utf-8";

/// A script of the page, served at `/<name>`.
macro_rules! script {
    ($name:literal) => {
        Asset {
            path: concat!("/", $name),
            content_type: JS,
            body: include_str!(concat!("page/", $name)),
        }
    };
}

/// Every file of the page.
pub(super) static ASSETS: [Asset; 10] = [
    Asset {
        path: "/",
        content_type: "text/html; charset=utf-8",
        body: include_str!("page/index.html"),
    },
    Asset {
        path: "/style.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("page/style.css"),
    },
    script!("dom.js"),
    script!("words.js"),
    script!("views.js"),
    script!("messages.js"),
    script!("history.js"),
    script!("rooms.js"),
    script!("connection.js"),
    script!("app.js"),
];

#[cfg(test)]
mod tests {
    use super::ASSETS;

    /// Every script the page loads is served, and every script served is loaded.
    #[test]
    fn the_page_loads_exactly_the_scripts_served() {
        let index = ASSETS[0].body;
        let loaded: Vec<&str> = index
            .split("<script src=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        let served: Vec<&str> = ASSETS
            .iter()
            .filter(|a| a.path.ends_with(".js"))
            .map(|a| a.path)
            .collect();
        assert_eq!(loaded, served);
    }
}
