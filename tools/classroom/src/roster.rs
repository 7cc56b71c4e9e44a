//! The class on disk: who is in it, their passwords, and what is made from them (the server's
//! configuration, each student's settings file, the printable sheet). Everything lives in the
//! class folder (`target/class` by default); the files holding a password are owner-only.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// The class account's users: the teacher, and the classroom program itself (relay, page).
pub const TEACHER: &str = "teacher";
pub const PROGRAM: &str = "classroom";
/// The class account, which carries `class.>` and the progress bucket.
pub const CLASS_ACCOUNT: &str = "CLASS";
/// The key-value bucket of the class account that keeps each student's latest results.
pub const PROGRESS_BUCKET: &str = "progress";

/// One person's login. No `Debug`: it holds a password.
#[derive(Clone)]
pub struct Login {
    pub name: String,
    pub password: String,
}

/// The class: its students (sorted by name) and the class account's two users.
pub struct Roster {
    pub dir: PathBuf,
    pub students: Vec<Login>,
    pub teacher: Login,
    pub program: Login,
}

/// A student's name becomes an account, a user and part of subjects: lower-case letters,
/// digits, `-` and `_`, starting with a letter, and not one of the class account's names.
pub fn check_name(name: &str) -> Result<(), String> {
    let first_ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_".contains(c));
    if !first_ok || !rest_ok || name.len() > 32 {
        return Err(format!(
            "'{name}' cannot be a student's name: use lower-case letters, digits, - and _ (at most \
             32, starting with a letter), for example alice or bob_2"
        ));
    }
    if [TEACHER, PROGRAM, "class", "sys"].contains(&name) {
        return Err(format!(
            "'{name}' is a name the class itself uses: choose another"
        ));
    }
    Ok(())
}

/// The characters of a password: letters and digits without look-alikes (no l, o, I, O, 0, 1).
const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A new random password: 20 characters of the 56 (about 116 bits). Each is drawn uniformly by
/// `rand`'s `choose`, from its thread generator (a CSPRNG seeded by the system): a byte `% 56`
/// would make 32 of the characters a quarter likelier than the rest.
pub fn new_password() -> Result<String, String> {
    use rand::seq::IndexedRandom;
    let mut rng = rand::rng();
    let chosen = (0..20).map(|_| ALPHABET.choose(&mut rng).map(|byte| char::from(*byte)));
    chosen
        .collect::<Option<String>>()
        .ok_or_else(|| "the password alphabet is empty".to_string())
}

impl Roster {
    /// The class in `dir`, with exactly `names`: those already there keep their passwords (a
    /// restart changes nothing for them), new ones get new passwords.
    pub fn open(dir: &Path, names: &[String]) -> Result<Roster, String> {
        let saved = load(dir)?;
        let known = |name: &str| -> Result<Login, String> {
            let password = saved[name].as_str().map(String::from);
            Ok(Login {
                name: name.to_string(),
                password: password.map_or_else(new_password, Ok)?,
            })
        };
        let mut students = Vec::new();
        for name in names {
            check_name(name)?;
            if !students.iter().any(|s: &Login| &s.name == name) {
                // A student's password lives only in their settings file (and on the sheet).
                let saved = saved_password(&dir.join(format!("{name}.env")));
                let password = saved.map_or_else(new_password, Ok)?;
                students.push(Login {
                    name: name.clone(),
                    password,
                });
            }
        }
        students.sort_by(|a, b| a.name.cmp(&b.name));
        let teacher = Login {
            name: TEACHER.into(),
            ..known(&format!("class:{TEACHER}"))?
        };
        let program = Login {
            name: PROGRAM.into(),
            ..known(&format!("class:{PROGRAM}"))?
        };
        Ok(Roster {
            dir: dir.to_path_buf(),
            students,
            teacher,
            program,
        })
    }

    /// The students of the class saved in `dir`, if one was started there.
    pub fn saved_names(dir: &Path) -> Result<Vec<String>, String> {
        let saved = load(dir)?;
        let names = saved.as_object().into_iter().flat_map(|map| map.keys());
        Ok(names
            .filter_map(|key| key.strip_prefix("student:").map(String::from))
            .collect())
    }

    /// Writes the class file, the settings files, the sheet and the server's configuration.
    /// `ca` is the class CA's certificate (public: it lets a client check the server).
    pub fn save(&self, url: &str, config: &str, ca: &str) -> Result<(), String> {
        fs::create_dir_all(&self.dir)
            .map_err(|err| format!("cannot create {}: {err}", self.dir.display()))?;
        let mut saved = serde_json::Map::new();
        for login in &self.students {
            saved.insert(format!("student:{}", login.name), json!(true));
        }
        for login in [&self.teacher, &self.program] {
            saved.insert(format!("class:{}", login.name), json!(login.password));
        }
        let text = serde_json::to_string_pretty(&Value::Object(saved)).unwrap_or_default();
        write_private(&self.dir.join("class.json"), &text)?;
        let ca_file = self.dir.join(CA_FILE);
        fs::write(&ca_file, ca)
            .map_err(|err| format!("cannot write {}: {err}", ca_file.display()))?;
        // A student saves the CA next to their settings file, in the folder they work in; the
        // teacher's file names the class folder's own copy.
        for login in &self.students {
            let settings = settings(url, login, CA_FILE);
            write_private(&self.dir.join(format!("{}.env", login.name)), &settings)?;
        }
        let teacher = settings(url, &self.teacher, &ca_file.display().to_string());
        write_private(&self.dir.join(format!("{TEACHER}.env")), &teacher)?;
        write_private(&self.dir.join("sheet.md"), &self.sheet(url, ca))?;
        write_private(&self.dir.join("nats-server.conf"), config)
    }

    /// The printable sheet: the class's CA once, then one box per student, to cut out.
    fn sheet(&self, url: &str, ca: &str) -> String {
        let mut sheet = format!(
            "# NATS class: your login\n\nThe class server speaks TLS only. Save this certificate \
             as `{CA_FILE}` in your copy of the workspace (it is public: your programs use it to \
             check that they talk to the class's server):\n\n```text\n{ca}```\n\n\
             Cut along the lines; one box per student.\n"
        );
        for login in &self.students {
            let _ = write!(
                sheet,
                "\n---\n\n**{name}**: save these lines as `{name}.env` in the workspace, next to \
                 `{CA_FILE}`, then run `set -a; . ./{name}.env; set +a` in each terminal.\n\n\
                 ```text\n{lines}```\n",
                name = login.name,
                lines = settings(url, login, CA_FILE),
            );
        }
        sheet
    }
}

/// The class CA's certificate, in the class folder and in each student's workspace.
pub const CA_FILE: &str = "class-ca.pem";

/// A settings file: `KEY=value` lines that `set -a; . FILE; set +a` loads into a shell.
/// `NATS_CLASS=1` makes every step log in and trust `NATS_CA`; `NATS_NAME` names the student
/// in connection names.
fn settings(url: &str, login: &Login, ca: &str) -> String {
    format!(
        "NATS_URL={url}\nNATS_USER={name}\nNATS_PASSWORD={password}\nNATS_CA={ca}\nNATS_CLASS=1\n\
         NATS_NAME={name}\n",
        name = login.name,
        password = login.password,
    )
}

/// The password in a settings file written before, if there is one.
fn saved_password(settings: &Path) -> Option<String> {
    let text = fs::read_to_string(settings).ok()?;
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix("NATS_PASSWORD="))?;
    Some(line.to_string()).filter(|password| !password.is_empty())
}

/// The saved class (the students, and the class account's passwords), or nothing yet.
fn load(dir: &Path) -> Result<Value, String> {
    let path = dir.join("class.json");
    match fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map_err(|err| {
            format!(
                "{} is damaged ({err}); `classroom reset` starts a new class",
                path.display()
            )
        }),
        Err(_) => Ok(json!({})),
    }
}

/// Writes a file only its owner can read (on Unix; elsewhere, the folder's own protection).
pub fn write_private(path: &Path, text: &str) -> Result<(), String> {
    let failed = |err: std::io::Error| format!("cannot write {}: {err}", path.display());
    let _ = fs::remove_file(path); // a new file gets the mode below; an old one keeps its own
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(failed)?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::{ALPHABET, new_password};

    /// 10,000 passwords (200,000 characters): each of the 56 is expected 3,571 times, with a
    /// standard deviation of about 59. Every count must lie within 10 % of it (six deviations):
    /// a draw by `byte % 56` gives 32 characters 25 % more (about 4,000) and fails here.
    #[test]
    fn every_character_of_a_password_is_equally_likely() {
        let mut counts = [0usize; 256];
        for _ in 0..10_000 {
            let password = new_password().unwrap_or_default();
            assert_eq!(password.len(), 20);
            for byte in password.bytes() {
                counts[byte as usize] += 1;
            }
        }
        let expected = 200_000 / ALPHABET.len();
        for (byte, count) in counts.iter().enumerate() {
            if ALPHABET.contains(&(byte as u8)) {
                let off = count.abs_diff(expected);
                assert!(
                    off < expected / 10,
                    "'{}' drawn {count} times, expected {expected}",
                    byte as u8 as char
                );
            } else {
                assert_eq!(*count, 0, "'{}' is not in the alphabet", byte as u8 as char);
            }
        }
    }
}
