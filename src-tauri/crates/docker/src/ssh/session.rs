//! One SSH connection to a host (russh): host-key check and authentication.

use std::sync::Arc;
use std::time::Duration;

use russh::client::{self, Handle};
use russh::keys::{self, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use squirrel_core::model::SshAuth;
use squirrel_core::secrets::SecretStore;

use super::config::{HostKeyFiles, ResolvedHost};
use super::host_keys::{prefer_known, HostKeyCheck, HostKeyStore};
use crate::client::ConnectError;

/// How long reaching a host may take, every jump host included.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Why the SSH handshake stopped.
#[derive(Debug)]
pub enum HandshakeError {
    HostKey(ConnectError),
    Russh(russh::Error),
}

impl From<russh::Error> for HandshakeError {
    fn from(e: russh::Error) -> Self {
        Self::Russh(e)
    }
}

pub struct ClientHandler {
    host: String,
    port: u16,
    keys: Arc<HostKeyStore>,
    /// The host-key files the SSH config names for this host.
    files: HostKeyFiles,
    /// The jump host this session tunnels through, kept open as long as this session runs.
    _via: Option<Arc<SshHandle>>,
}

impl client::Handler for ClientHandler {
    type Error = HandshakeError;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        match self
            .keys
            .check(&self.host, self.port, &key.public_key(), &self.files)
        {
            HostKeyCheck::Trusted => Ok(true),
            HostKeyCheck::Unknown(prompt) => Err(HandshakeError::HostKey(
                ConnectError::HostKeyUnknown(prompt),
            )),
            HostKeyCheck::Changed(warning) => {
                Err(HandshakeError::HostKey(ConnectError::Unreachable(warning)))
            }
        }
    }
}

pub type SshHandle = Handle<ClientHandler>;

/// The client configuration for `host:port`: the host-key algorithms on file for it are
/// preferred, so that a server with several keys shows the one Squirrel can check (and one
/// that shows another algorithm has changed its key).
pub fn client_config(
    keys: &HostKeyStore,
    host: &str,
    port: u16,
    files: &HostKeyFiles,
) -> client::Config {
    let known = keys.known_algorithms(host, port, files);
    client::Config {
        keepalive_interval: Some(Duration::from_secs(10)),
        keepalive_max: 3,
        inactivity_timeout: None,
        nodelay: true,
        preferred: russh::Preferred {
            key: prefer_known(&russh::Preferred::DEFAULT.key, &known).into(),
            ..russh::Preferred::DEFAULT
        },
        ..Default::default()
    }
}

/// Connects (directly, or through `via`: the session and the name of a jump host), checks
/// the host key and authenticates, all before `deadline`.
pub async fn open(
    target: &ResolvedHost,
    auth: &SshAuth,
    keys: Arc<HostKeyStore>,
    secrets: &dyn SecretStore,
    via: Option<(Arc<SshHandle>, &str)>,
    deadline: tokio::time::Instant,
) -> Result<SshHandle, ConnectError> {
    let at = format!("{}@{}:{}", target.user, target.hostname, target.port);
    let (key_host, key_port) = target.known_hosts_name();
    let files = target.host_key_files.clone();
    let config = Arc::new(client_config(&keys, key_host, key_port, &files));
    let handler = ClientHandler {
        host: key_host.to_string(),
        port: key_port,
        keys,
        files,
        _via: via.as_ref().map(|(jump, _)| jump.clone()),
    };
    let too_slow = || {
        ConnectError::Unreachable(format!(
            "the SSH server {}:{} did not answer within {} s: is the host up and the port open?",
            target.hostname,
            target.port,
            CONNECT_TIMEOUT.as_secs()
        ))
    };
    // Through a jump host, the SSH connection runs in a direct-tcpip channel of its session.
    let tunnel = match via {
        None => None,
        Some((jump, jump_name)) => {
            let opening = jump.channel_open_direct_tcpip(
                target.hostname.as_str(),
                u32::from(target.port),
                "127.0.0.1",
                0,
            );
            match tokio::time::timeout_at(deadline, opening).await {
                Err(_) => return Err(too_slow()),
                Ok(Err(e)) => return Err(ConnectError::Unreachable(format!(
                    "jump host {jump_name} did not open a connection to {}:{} ({e}): does it allow TCP forwarding (AllowTcpForwarding), and can it reach that host?",
                    target.hostname, target.port
                ))),
                Ok(Ok(channel)) => Some(channel.into_stream()),
            }
        }
    };
    let address = (target.hostname.clone(), target.port);
    let connecting = async move {
        match tunnel {
            None => client::connect(config, (address.0.as_str(), address.1), handler).await,
            Some(stream) => client::connect_stream(config, stream, handler).await,
        }
    };
    let mut handle = match tokio::time::timeout_at(deadline, connecting).await {
        Err(_) => return Err(too_slow()),
        Ok(Err(HandshakeError::HostKey(e))) => return Err(e),
        Ok(Err(HandshakeError::Russh(e))) => {
            return Err(ConnectError::Unreachable(describe(&at, &e)))
        }
        Ok(Ok(handle)) => handle,
    };
    authenticate(&mut handle, target, auth, secrets).await?;
    Ok(handle)
}

async fn authenticate(
    handle: &mut SshHandle,
    target: &ResolvedHost,
    auth: &SshAuth,
    secrets: &dyn SecretStore,
) -> Result<(), ConnectError> {
    let user = target.user.as_str();
    let at = format!("{user}@{}", target.hostname);
    let fail = |m: String| ConnectError::Unreachable(m);
    let russh_err = |e: russh::Error| ConnectError::Unreachable(describe(&at, &e));
    match auth {
        SshAuth::Agent => {
            let mut agent = keys::agent::client::AgentClient::connect_env()
                .await
                .map_err(|_| fail("no ssh-agent is running for Squirrel (SSH_AUTH_SOCK is not set or not reachable): start one and add your key (ssh-add), or use a key file".into()))?;
            let identities = agent
                .request_identities()
                .await
                .map_err(|e| fail(format!("the ssh-agent did not list its keys: {e}")))?;
            if identities.is_empty() {
                return Err(fail(
                    "the ssh-agent holds no key: add one with ssh-add".into(),
                ));
            }
            let hash = handle
                .best_supported_rsa_hash()
                .await
                .map_err(russh_err)?
                .flatten();
            // Servers disconnect after MaxAuthTries (default 6): try at most five keys.
            for id in identities.iter().take(5) {
                let key = id.public_key().into_owned();
                match handle
                    .authenticate_publickey_with(user, key, hash, &mut agent)
                    .await
                {
                    Ok(r) if r.success() => return Ok(()),
                    Ok(_) => {}
                    Err(e) => tracing::debug!(error = %e, "agent signing failed"),
                }
            }
            Err(fail(format!(
                "{at} refused every key of the ssh-agent: is your public key in the server's authorized_keys?"
            )))
        }
        SshAuth::KeyFile { path, passphrase } => {
            let candidates: Vec<std::path::PathBuf> = if path.trim().is_empty() {
                target.identity_files.clone()
            } else {
                vec![path.into()]
            };
            let Some(file) = candidates.iter().find(|p| p.is_file()) else {
                return Err(fail(format!(
                    "no private key file at {}",
                    candidates
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            };
            let passphrase = match passphrase {
                Some(r) => secrets.get(r).await.map_err(|e| fail(e.to_string()))?,
                None => None,
            };
            let key = keys::load_secret_key(file, passphrase.as_ref().map(|s| s.expose()))
                .map_err(|e| match e {
                    keys::Error::KeyIsEncrypted => fail(format!(
                        "the key {} is encrypted: enter its passphrase",
                        file.display()
                    )),
                    keys::Error::SshKey(_) if passphrase.is_some() => {
                        fail(format!("wrong passphrase for the key {}", file.display()))
                    }
                    other => fail(format!("cannot read the key {}: {other}", file.display())),
                })?;
            let hash = handle
                .best_supported_rsa_hash()
                .await
                .map_err(russh_err)?
                .flatten();
            let result = handle
                .authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::new(key), hash))
                .await
                .map_err(russh_err)?;
            if result.success() {
                Ok(())
            } else {
                Err(fail(format!(
                    "{at} refused the key {}: is its public key in the server's authorized_keys?",
                    file.display()
                )))
            }
        }
        SshAuth::Password { secret } => {
            let password = match secret {
                Some(r) => secrets.get(r).await.map_err(|e| fail(e.to_string()))?,
                None => None,
            }
            .ok_or_else(|| {
                fail("no password is stored for this device: edit it and enter the password".into())
            })?;
            let result = handle
                .authenticate_password(user, password.expose())
                .await
                .map_err(russh_err)?;
            if result.success() {
                return Ok(());
            }
            // Servers with PasswordAuthentication off often take the same password through
            // keyboard-interactive (PAM).
            let mut reply = handle
                .authenticate_keyboard_interactive_start(user, None)
                .await
                .map_err(russh_err)?;
            let mut rounds = PasswordRounds::new(&at, password.expose());
            while let Some(answers) = rounds.answer(&reply).map_err(fail)? {
                reply = handle
                    .authenticate_keyboard_interactive_respond(answers)
                    .await
                    .map_err(russh_err)?;
            }
            Ok(())
        }
    }
}

/// Keyboard-interactive rounds a password answers (a PAM stack may add an empty one).
const MAX_ROUNDS: usize = 3;

/// Keyboard-interactive authentication with the password: reads each reply of the server.
struct PasswordRounds<'a> {
    at: &'a str,
    password: &'a str,
    answered_password: bool,
    rounds: usize,
}

impl<'a> PasswordRounds<'a> {
    fn new(at: &'a str, password: &'a str) -> Self {
        Self {
            at,
            password,
            answered_password: false,
            rounds: 0,
        }
    }

    /// What to do with the server's `reply`: `Ok(None)` when it accepted, `Ok(Some(answers))`
    /// to send, `Err` with the reason to stop.
    fn answer(
        &mut self,
        reply: &client::KeyboardInteractiveAuthResponse,
    ) -> Result<Option<Vec<String>>, String> {
        use client::KeyboardInteractiveAuthResponse as K;
        let at = self.at;
        match reply {
            K::Success => Ok(None),
            K::Failure { .. } => Err(format!("{at} refused the password (authentication failed)")),
            K::InfoRequest { .. } if self.rounds >= MAX_ROUNDS => Err(format!(
                "{at} keeps asking after {MAX_ROUNDS} rounds of keyboard-interactive \
                 authentication: use key or agent authentication for this device"
            )),
            K::InfoRequest { prompts, .. } => {
                self.rounds += 1;
                keyboard_interactive_answers(
                    at,
                    prompts,
                    self.password,
                    &mut self.answered_password,
                )
                .map(Some)
            }
        }
    }
}

/// Words of one-time-code prompts (`One-time password (OATH)`, `Verification code`, …),
/// looked for before "password", as whole words (a user named `coder` is no code).
const ONE_TIME_WORDS: [&str; 7] = [
    "one-time",
    "onetime",
    "otp",
    "passcode",
    "code",
    "token",
    "verification",
];

/// The answers to one keyboard-interactive round: the password to password prompts (text
/// with "password", not echoed, no one-time-code word), nothing to an empty round. Anything
/// else (a one-time code, a question) has no answer in a background connection, and a password
/// asked again means the first was wrong: both are `Err` with the reason.
fn keyboard_interactive_answers(
    at: &str,
    prompts: &[client::Prompt],
    password: &str,
    answered_password: &mut bool,
) -> Result<Vec<String>, String> {
    let mut answers = Vec::with_capacity(prompts.len());
    for prompt in prompts {
        let text = prompt.prompt.trim();
        let lower = text.to_lowercase();
        let one_time = lower
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .any(|word| ONE_TIME_WORDS.contains(&word));
        if one_time || prompt.echo || !lower.contains("password") {
            let what = if one_time {
                "a one-time code"
            } else {
                "not the password"
            };
            let asks = if *answered_password {
                "after the password, asks"
            } else {
                "asks"
            };
            return Err(format!(
                "{at} {asks} \"{text}\" ({what}): Squirrel cannot answer it for a background \
                 connection; use key or agent authentication for this device"
            ));
        }
        if *answered_password && answers.is_empty() {
            return Err(format!("{at} refused the password (authentication failed)"));
        }
        answers.push(password.to_string());
    }
    *answered_password |= !answers.is_empty();
    Ok(answers)
}

/// A sentence for a failed SSH operation with `at` (`user@host`).
pub fn describe(at: &str, e: &russh::Error) -> String {
    use std::io::ErrorKind;
    if let russh::Error::IO(io) = e {
        return match io.kind() {
            ErrorKind::ConnectionRefused => {
                format!("{at}: nothing listens for SSH there (connection refused)")
            }
            ErrorKind::TimedOut => format!("{at}: the SSH server did not answer in time"),
            ErrorKind::NotFound => format!("cannot resolve the host name of {at}"),
            _ if io.to_string().contains("failed to lookup address") => {
                format!("cannot resolve the host name of {at}: check the spelling or your DNS")
            }
            _ => format!("{at}: {io}"),
        };
    }
    match e {
        russh::Error::Disconnect | russh::Error::HUP => format!("{at} closed the SSH connection"),
        russh::Error::KeepaliveTimeout => {
            format!("{at} stopped answering (SSH keepalive timed out)")
        }
        other => format!("{at}: SSH failed: {other}"),
    }
}

#[cfg(test)]
mod keyboard_interactive_tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn prompt(text: &str, echo: bool) -> client::Prompt {
        client::Prompt {
            prompt: text.into(),
            echo,
        }
    }

    #[test]
    fn password_prompts_get_the_password_and_others_stop_with_the_prompt() {
        let mut answered = false;
        let answers = keyboard_interactive_answers(
            "root@h",
            &[prompt("Password: ", false)],
            "pw",
            &mut answered,
        );
        assert_eq!(answers.unwrap(), vec!["pw".to_string()]);
        assert!(answered);
        assert_eq!(
            keyboard_interactive_answers("root@h", &[], "pw", &mut answered).unwrap(),
            Vec::<String>::new()
        );

        let mut answered = false;
        let err = keyboard_interactive_answers(
            "root@h",
            &[prompt("Verification code: ", false)],
            "pw",
            &mut answered,
        )
        .unwrap_err();
        assert_eq!(
            err,
            "root@h asks \"Verification code:\" (a one-time code): Squirrel cannot answer it for \
             a background connection; use key or agent authentication for this device"
        );
        // A prompt shown as typed is no password prompt, whatever it says.
        let err = keyboard_interactive_answers(
            "root@h",
            &[
                prompt("Password: ", false),
                prompt("Your password hint?", true),
            ],
            "pw",
            &mut answered,
        )
        .unwrap_err();
        assert!(
            err.contains("\"Your password hint?\" (not the password)"),
            "{err}"
        );
        assert!(!answered);
    }

    #[test]
    fn one_time_code_prompts_never_get_the_password_even_when_they_say_password() {
        for text in [
            "One-time password (OATH) for `root':",
            "OTP password:",
            "Passcode or password:",
            "Token password:",
            "Enter your 6-digit code:",
        ] {
            let mut answered = false;
            let err =
                keyboard_interactive_answers("root@h", &[prompt(text, false)], "pw", &mut answered)
                    .unwrap_err();
            assert!(err.contains("(a one-time code)"), "{text}: {err}");
            assert!(!answered);
        }
        let mut answered = false;
        let answers = keyboard_interactive_answers(
            "coder@h",
            &[prompt("Password for coder@h: ", false)],
            "pw",
            &mut answered,
        );
        assert_eq!(answers.unwrap(), vec!["pw".to_string()]);
    }

    fn info(prompts: &[&str]) -> client::KeyboardInteractiveAuthResponse {
        client::KeyboardInteractiveAuthResponse::InfoRequest {
            name: String::new(),
            instructions: String::new(),
            prompts: prompts.iter().map(|p| prompt(p, false)).collect(),
        }
    }

    fn failure() -> client::KeyboardInteractiveAuthResponse {
        client::KeyboardInteractiveAuthResponse::Failure {
            remaining_methods: russh::MethodSet::from(&[][..]),
            partial_success: false,
        }
    }

    #[test]
    fn a_one_time_code_after_the_password_is_reported_as_such() {
        let mut rounds = PasswordRounds::new("root@h", "pw");
        assert_eq!(
            rounds.answer(&info(&["Password: "])).unwrap(),
            Some(vec!["pw".to_string()])
        );
        let err = rounds
            .answer(&info(&["One-time password (OATH) for `root': "]))
            .unwrap_err();
        assert!(
            err.starts_with(
                "root@h after the password, asks \"One-time password (OATH) for `root':\" (a one-time code)"
            ),
            "{err}"
        );
    }

    #[test]
    fn the_reply_to_the_last_round_is_read() {
        // Password, then two empty rounds (PAM), then success: the last reply counts.
        let mut rounds = PasswordRounds::new("root@h", "pw");
        assert!(rounds.answer(&info(&["Password:"])).unwrap().is_some());
        assert_eq!(rounds.answer(&info(&[])).unwrap(), Some(vec![]));
        assert_eq!(rounds.answer(&info(&[])).unwrap(), Some(vec![]));
        let done = rounds.answer(&client::KeyboardInteractiveAuthResponse::Success);
        assert_eq!(done.unwrap(), None);
        // A fourth round is one too many; a failure is a refused password.
        let err = rounds.answer(&info(&[])).unwrap_err();
        assert!(err.contains("keeps asking after 3 rounds"), "{err}");
        let err = PasswordRounds::new("root@h", "pw")
            .answer(&failure())
            .unwrap_err();
        assert_eq!(err, "root@h refused the password (authentication failed)");
    }

    #[test]
    fn a_password_asked_twice_is_a_wrong_password() {
        let mut answered = false;
        let password = [prompt("user's Password:", false)];
        keyboard_interactive_answers("root@h", &password, "pw", &mut answered).unwrap();
        let err =
            keyboard_interactive_answers("root@h", &password, "pw", &mut answered).unwrap_err();
        assert!(err.contains("refused the password"), "{err}");
    }
}
