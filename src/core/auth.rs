//! Passwords of claimed names: hashed with Argon2id (PHC strings, salts from the OS), and
//! wrong guesses slowed down per name and per origin.
//!
//! Hashing and checking cost tens of milliseconds of CPU and 19 MiB of memory on purpose. They
//! run on one thread of their own ([`Hasher`]), which callers wait for with no lock held: a
//! burst of logins then queues rather than taking every core, and the memory is one thread's,
//! not kept by the allocator of every connection thread that ever checked a password. The
//! throttle is a small table under its own lock, never held across anything slow.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Longest password, in bytes.
pub const MAX_PASSWORD: usize = 1024;

/// The first pause after a wrong password; it doubles with each further one.
const FIRST_PAUSE: Duration = Duration::from_secs(1);
/// The longest pause.
const LONGEST_PAUSE: Duration = Duration::from_secs(60);

/// Whether `password` may be a password: 1 to [`MAX_PASSWORD`] bytes.
pub fn is_valid_password(password: &str) -> bool {
    (1..=MAX_PASSWORD).contains(&password.len())
}

/// The PHC string of a new hash of `password`.
pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` is the one `phc` was made from (a hash we cannot read matches nothing).
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Work for the hashing thread, each with where its answer goes.
enum Job {
    Hash(String, mpsc::Sender<Result<String, String>>),
    Verify(String, String, mpsc::Sender<bool>),
}

/// The thread that hashes and checks passwords.
pub struct Hasher {
    jobs: Mutex<mpsc::Sender<Job>>,
}

impl Hasher {
    /// Starts the thread; it ends when the hasher is dropped.
    pub fn start() -> std::io::Result<Hasher> {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("passwords".into())
            .spawn(move || {
                // An answer nobody waits for any more is dropped.
                for job in rx {
                    match job {
                        Job::Hash(password, answer) => {
                            let _ = answer.send(hash(&password));
                        }
                        Job::Verify(password, phc, answer) => {
                            let _ = answer.send(verify(&password, &phc));
                        }
                    }
                }
            })?;
        Ok(Hasher {
            jobs: Mutex::new(tx),
        })
    }

    /// [`hash`], on the hashing thread.
    pub fn hash(&self, password: &str) -> Result<String, String> {
        let (tx, rx) = mpsc::channel();
        let _ = self.jobs.lock().send(Job::Hash(password.to_string(), tx));
        rx.recv()
            .unwrap_or_else(|_| Err("the hashing thread has stopped".into()))
    }

    /// [`verify`], on the hashing thread.
    pub fn verify(&self, password: &str, phc: &str) -> bool {
        let (tx, rx) = mpsc::channel();
        let job = Job::Verify(password.to_string(), phc.to_string(), tx);
        let _ = self.jobs.lock().send(job);
        rx.recv().unwrap_or(false)
    }
}

/// Wrong guesses so far, and until when the next is refused unchecked.
#[derive(Clone, Copy, Debug)]
struct Strikes {
    count: u32,
    until: Instant,
}

/// Who is paused after wrong passwords: names and origins alike.
#[derive(Default)]
pub struct Throttle {
    strikes: Mutex<HashMap<String, Strikes>>,
}

impl Throttle {
    /// How long `name`, or `origin`, must still wait before its next attempt is checked.
    pub fn wait(&self, name: &str, origin: &str, now: Instant) -> Option<Duration> {
        let strikes = self.strikes.lock();
        [key("name", name), key("origin", origin)]
            .iter()
            .filter_map(|k| strikes.get(k))
            .map(|s| s.until.saturating_duration_since(now))
            .filter(|d| !d.is_zero())
            .max()
    }

    /// A wrong password for `name` from `origin`: both pause, longer each time.
    pub fn failed(&self, name: &str, origin: &str, now: Instant) {
        let mut strikes = self.strikes.lock();
        // Old strikes are forgotten, so the table does not grow for ever.
        strikes.retain(|_, s| now < s.until + LONGEST_PAUSE);
        for k in [key("name", name), key("origin", origin)] {
            let s = strikes.entry(k).or_insert(Strikes {
                count: 0,
                until: now,
            });
            s.count = s.count.saturating_add(1);
            let pause = FIRST_PAUSE.saturating_mul(1 << (s.count - 1).min(6));
            s.until = now + pause.min(LONGEST_PAUSE);
        }
    }

    /// The right password for `name` from `origin`: their pauses end.
    pub fn succeeded(&self, name: &str, origin: &str) {
        let mut strikes = self.strikes.lock();
        strikes.remove(&key("name", name));
        strikes.remove(&key("origin", origin));
    }
}

fn key(kind: &str, what: &str) -> String {
    format!("{kind}:{what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_checks_its_password_and_no_other() {
        let phc = hash("s3cret").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify("s3cret", &phc));
        assert!(!verify("s3cret ", &phc));
        assert!(!verify("s3cret", "not a hash"));
        assert_ne!(hash("s3cret").unwrap(), phc, "salted");
        assert!(is_valid_password("x") && is_valid_password(&"x".repeat(MAX_PASSWORD)));
        assert!(!is_valid_password("") && !is_valid_password(&"x".repeat(MAX_PASSWORD + 1)));
    }

    #[test]
    fn the_hashing_thread_hashes_and_checks() {
        let hasher = Hasher::start().unwrap();
        let phc = hasher.hash("pw").unwrap();
        assert!(hasher.verify("pw", &phc));
        assert!(!hasher.verify("pW", &phc));
    }

    #[test]
    fn wrong_guesses_pause_the_name_and_the_origin_longer_each_time() {
        let t = Throttle::default();
        let t0 = Instant::now();
        assert_eq!(t.wait("alice", "1.2.3.4", t0), None);
        t.failed("alice", "1.2.3.4", t0);
        assert_eq!(t.wait("alice", "5.6.7.8", t0), Some(FIRST_PAUSE));
        assert_eq!(t.wait("bob", "1.2.3.4", t0), Some(FIRST_PAUSE));
        assert_eq!(t.wait("bob", "5.6.7.8", t0), None);
        let t1 = t0 + FIRST_PAUSE;
        assert_eq!(t.wait("alice", "1.2.3.4", t1), None, "the pause is over");
        t.failed("alice", "1.2.3.4", t1);
        assert_eq!(t.wait("alice", "x", t1), Some(FIRST_PAUSE * 2));
        let mut now = t1;
        for _ in 0..10 {
            t.failed("alice", "1.2.3.4", now);
            now += Duration::from_millis(1);
        }
        let longest = t.wait("alice", "x", now).unwrap();
        assert!(
            longest <= LONGEST_PAUSE && longest > LONGEST_PAUSE / 2,
            "{longest:?}"
        );
        t.succeeded("alice", "1.2.3.4");
        assert_eq!(t.wait("alice", "1.2.3.4", now), None);
    }

    #[test]
    fn old_strikes_are_forgotten() {
        let t = Throttle::default();
        let t0 = Instant::now();
        t.failed("alice", "a", t0);
        let later = t0 + FIRST_PAUSE + LONGEST_PAUSE;
        t.failed("bob", "b", later);
        assert_eq!(t.strikes.lock().len(), 2, "alice's strikes went");
    }
}
