//! Terminals and one-off commands in containers of a real dockerd, over the local socket
//! and over SSH: a typed command's answer, the size a resize sets, a shell that ends with the
//! closed terminal (no exec process left in `docker top`), a stopped container and a missing
//! shell said in words, a command's output and exit code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use squirrel_core::model::{
    CommandRequest, DeviceConnection, SshAuth, TerminalEvent, TerminalRequest,
};
use squirrel_core::services::TerminalSink;
use support::sshd::{client_key, TestSshd};
use support::{approve_host_key, App, TestEngine};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(30);

/// A terminal as the window holds it: everything it shows, each output acknowledged.
struct Term {
    id: u32,
    rx: mpsc::UnboundedReceiver<TerminalEvent>,
    screen: String,
    ended: Option<(Option<i64>, Option<String>)>,
}

async fn open(app: &App, uuid: &str, request: TerminalRequest) -> Term {
    let (tx, rx) = mpsc::unbounded_channel();
    let sink: TerminalSink = Arc::new(move |e| tx.send(e).is_ok());
    let id = app
        .terminals
        .open(uuid, request, "main", sink)
        .await
        .unwrap()
        .id;
    Term {
        id,
        rx,
        screen: String::new(),
        ended: None,
    }
}

fn size(cols: u16, rows: u16) -> TerminalRequest {
    TerminalRequest {
        cols,
        rows,
        ..Default::default()
    }
}

impl Term {
    /// Reads until the screen holds `text` after `from` (or the shell ends).
    async fn until(&mut self, app: &App, text: &str) -> usize {
        let from = self.screen.len();
        tokio::time::timeout(WAIT, async {
            loop {
                if let Some(at) = self.screen[from..].find(text) {
                    return from + at;
                }
                match self.rx.recv().await {
                    Some(TerminalEvent::Output { seq, data }) => {
                        self.screen.push_str(&data);
                        app.terminals.ack(self.id, seq);
                    }
                    Some(TerminalEvent::Ended { code, reason }) => {
                        self.ended = Some((code, reason));
                        panic!(
                            "the terminal ended before {text:?}: {:?}\n{}",
                            self.ended, self.screen
                        )
                    }
                    None => panic!("the terminal's sink was dropped"),
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{text:?} did not show within 30 s:\n{}", self.screen))
    }

    async fn end(&mut self, app: &App) -> (Option<i64>, Option<String>) {
        tokio::time::timeout(WAIT, async {
            loop {
                match self.rx.recv().await {
                    Some(TerminalEvent::Output { seq, data }) => {
                        self.screen.push_str(&data);
                        app.terminals.ack(self.id, seq);
                    }
                    Some(TerminalEvent::Ended { code, reason }) => return (code, reason),
                    None => panic!("the terminal's sink was dropped without an end"),
                }
            }
        })
        .await
        .expect("the terminal did not end within 30 s")
    }
}

async fn uuid_of(app: &App, name: &str) -> String {
    app.containers
        .list(None)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == name)
        .map(|c| c.uuid)
        .unwrap_or_else(|| panic!("no container {name}"))
}

/// The processes `docker top` lists in a container, by command.
fn top(engine: &TestEngine, name: &str) -> Vec<String> {
    engine
        .cli(&["top", name, "-o", "pid,args"])
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        .collect()
}

/// An image of busybox's one binary as `/sleep` and nothing else: no `/bin/sh`.
fn shell_less_image(engine: &TestEngine) {
    let dir = tempfile::tempdir().unwrap();
    engine.cli(&[
        "create",
        "--name",
        "busybox-source",
        "busybox:local",
        "true",
    ]);
    engine.cli(&[
        "cp",
        "busybox-source:/bin/busybox",
        &dir.path().join("sleep").display().to_string(),
    ]);
    engine.cli(&["rm", "busybox-source"]);
    let tar = dir.path().join("image.tar");
    let made = std::process::Command::new("tar")
        .arg("-C")
        .arg(dir.path())
        .arg("-cf")
        .arg(&tar)
        .arg("sleep")
        .status()
        .unwrap();
    assert!(made.success());
    engine.cli(&["import", &tar.display().to_string(), "noshell:local"]);
}

/// An engine running busybox as `name` (`sleep 3600`).
fn engine_with(name: &str) -> TestEngine {
    let engine = TestEngine::start();
    engine.cli(&[
        "run",
        "-d",
        "--name",
        name,
        "busybox:local",
        "sleep",
        "3600",
    ]);
    engine
}

/// Types, reads the answer, resizes, closes: the shell is gone from the container.
async fn a_session(app: &App, engine: &TestEngine, name: &str) {
    let uuid = uuid_of(app, name).await;
    let mut term = open(app, &uuid, size(80, 24)).await;
    app.terminals
        .write(term.id, "echo $((6*7))\n".into())
        .await
        .unwrap();
    // The answer on a line of its own (the typed line echoes `$((6*7))`, not 42).
    term.until(app, "\n42\r\n").await;
    app.terminals.resize(term.id, 132, 43).await.unwrap();
    app.terminals
        .write(term.id, "stty size\n".into())
        .await
        .unwrap();
    term.until(app, "43 132").await;
    // A program in the foreground, then the terminal closed under it.
    app.terminals
        .write(term.id, "sleep 600\n".into())
        .await
        .unwrap();
    support::wait_until(|| async {
        top(engine, name)
            .iter()
            .any(|p| p == "sleep 600")
            .then_some(())
    })
    .await;
    app.terminals.close(term.id).await;
    // Only the container's own process is left.
    let left = top(engine, name);
    assert_eq!(
        left,
        ["sleep 3600"],
        "processes left after the terminal closed"
    );
    assert_eq!(app.terminals.open_count(), 0);
}

/// A terminal given to another window (popped out): the shell goes on, the new window is
/// shown what the terminal showed and everything after it, the old one nothing more; the old
/// window's reload leaves it alone, the new window's close ends it in the container.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_popped_out_keeps_its_shell_and_ends_with_its_new_window() {
    let engine = engine_with("box");
    let app = App::new().await;
    app.add_engine(&engine, "local").await;
    let uuid = uuid_of(&app, "box").await;
    let mut term = open(&app, &uuid, size(80, 24)).await;
    app.terminals
        .write(term.id, "export MARK=before-$((40+2))\n".into())
        .await
        .unwrap();
    app.terminals
        .write(term.id, "echo $MARK\n".into())
        .await
        .unwrap();
    term.until(&app, "\nbefore-42\r\n").await;

    // A window that cannot open gives it back: the old one is sent what comes next.
    app.terminals
        .move_to(term.id, "main", "terminal-9")
        .unwrap();
    app.terminals.move_back(term.id);
    app.terminals
        .write(term.id, "echo back-$((2+2))\n".into())
        .await
        .unwrap();
    term.until(&app, "\nback-4\r\n").await;
    // Only the window showing it may give it.
    assert!(app
        .terminals
        .move_to(term.id, "other", "terminal-1")
        .is_err());
    let given = app
        .terminals
        .move_to(term.id, "main", "terminal-1")
        .unwrap();
    // Given once: not again while on its way, and not closed by the window it left.
    assert!(app
        .terminals
        .move_to(term.id, "main", "terminal-2")
        .is_err());
    app.terminals.close_from(term.id, "main").await;
    assert_eq!(app.terminals.open_count(), 1);
    assert_eq!(given.container_name, "box");
    // Named after the shell found, not the ones it would try.
    assert!(
        ["ash", "sh"].contains(&given.shell.as_str()),
        "{}",
        given.shell
    );
    // Output while no window shows it waits for the new one.
    app.terminals
        .write(term.id, "echo while-$((1+1))\n".into())
        .await
        .unwrap();
    // A window that was not given it cannot take it; the old window's reload leaves it.
    let (tx, rx) = mpsc::unbounded_channel();
    let sink: TerminalSink = Arc::new(move |e| tx.send(e).is_ok());
    assert!(app.terminals.attach(term.id, "main", sink.clone()).is_err());
    let ending = app.terminals.page_loaded("main");
    app.terminals.close_ids(ending).await;
    assert_eq!(app.terminals.open_count(), 1);
    // The new window loading its page (before it attaches) leaves it too.
    assert!(app.terminals.page_loaded("terminal-1").is_empty());
    let attached = app.terminals.attach(term.id, "terminal-1", sink).unwrap();
    assert_eq!(attached.id, term.id);
    let mut moved = Term {
        id: term.id,
        rx,
        screen: String::new(),
        ended: None,
    };
    // Shown first: what the terminal showed before the move, and what came meanwhile.
    moved.until(&app, "before-42").await;
    moved.until(&app, "while-2").await;
    // The same shell: what it was told before the move it still knows.
    app.terminals
        .write(term.id, "echo $MARK-again\n".into())
        .await
        .unwrap();
    moved.until(&app, "\nbefore-42-again\r\n").await;
    // The old window got nothing after the move.
    while let Ok(event) = term.rx.try_recv() {
        if let TerminalEvent::Output { data, .. } = event {
            term.screen.push_str(&data);
        }
    }
    assert!(!term.screen.contains("while-2"), "{}", term.screen);

    app.terminals
        .write(term.id, "sleep 600\n".into())
        .await
        .unwrap();
    support::wait_until(|| async {
        top(&engine, "box")
            .iter()
            .any(|p| p == "sleep 600")
            .then_some(())
    })
    .await;
    app.terminals.window_closed("terminal-1").await;
    assert_eq!(top(&engine, "box"), ["sleep 3600"]);
    assert_eq!(app.terminals.open_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_answers_resizes_and_leaves_nothing_running_when_closed() {
    let engine = engine_with("box");
    engine.cli(&[
        "create",
        "--name",
        "stopped",
        "busybox:local",
        "sleep",
        "3600",
    ]);
    shell_less_image(&engine);
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "shell-less",
        "noshell:local",
        "/sleep",
        "3600",
    ]);
    let app = App::new().await;
    app.add_engine(&engine, "local").await;
    a_session(&app, &engine, "box").await;

    // The shell ends by itself: the terminal says so, with its exit code.
    let uuid = uuid_of(&app, "box").await;
    let mut term = open(&app, &uuid, size(80, 24)).await;
    app.terminals
        .write(term.id, "exit 3\n".into())
        .await
        .unwrap();
    assert_eq!(term.end(&app).await, (Some(3), None));

    // A chosen shell that is not there, and a user and directory given.
    let mut missing = open(
        &app,
        &uuid,
        TerminalRequest {
            shell: Some("zsh".into()),
            ..size(80, 24)
        },
    )
    .await;
    let (code, _) = missing.end(&app).await;
    assert_eq!(code, Some(127), "{}", missing.screen);
    let mut as_other = open(
        &app,
        &uuid,
        TerminalRequest {
            user: Some("1234:1234".into()),
            working_dir: Some("/bin".into()),
            ..size(80, 24)
        },
    )
    .await;
    app.terminals
        .write(as_other.id, "echo \"$(id -u)@$(pwd)\"\n".into())
        .await
        .unwrap();
    as_other.until(&app, "1234@/bin").await;
    app.terminals.close(as_other.id).await;
    // A user the image does not know: said in the engine's words.
    let mut unknown = open(
        &app,
        &uuid,
        TerminalRequest {
            user: Some("nobody-here".into()),
            ..size(80, 24)
        },
    )
    .await;
    let (_, reason) = unknown.end(&app).await;
    assert!(
        reason
            .clone()
            .unwrap_or_default()
            .contains("unable to find user nobody-here"),
        "{reason:?}"
    );

    // A stopped container is said in words; so is a shell that is not a name.
    let stopped = uuid_of(&app, "stopped").await;
    let (tx, _rx) = mpsc::unbounded_channel();
    let sink: TerminalSink = Arc::new(move |e| tx.send(e).is_ok());
    let refused = app
        .terminals
        .open(&stopped, size(80, 24), "main", sink.clone())
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("Start it first"), "{refused}");
    let bad = TerminalRequest {
        shell: Some("sh; reboot".into()),
        ..size(80, 24)
    };
    assert!(app.terminals.open(&uuid, bad, "main", sink).await.is_err());

    // One-off commands: output and exit code, a pipeline through sh -c, a missing program.
    let run = |command: &str| CommandRequest {
        command: command.into(),
        ..Default::default()
    };
    let done = app
        .terminals
        .run(&uuid, run("echo hello 'to you'"))
        .await
        .unwrap();
    assert_eq!(
        (done.output.as_str(), done.exit_code),
        ("hello to you\n", Some(0))
    );
    let piped = app
        .terminals
        .run(&uuid, run("sh -c 'echo out; echo err >&2; exit 5'"))
        .await
        .unwrap();
    assert_eq!(piped.exit_code, Some(5));
    assert!(
        piped.output.contains("out\n") && piped.output.contains("err\n"),
        "{piped:?}"
    );
    let missing = app
        .terminals
        .run(&uuid, run("no-such-program"))
        .await
        .unwrap();
    assert_ne!(missing.exit_code, Some(0));
    // A large output is cut, and says so.
    let big = app
        .terminals
        .run(&uuid, run("sh -c 'yes 0123456789abcdef | head -c 3000000'"))
        .await
        .unwrap();
    assert!(big.truncated);
    assert_eq!(big.output.len(), squirrel_core::model::COMMAND_OUTPUT_MAX);
    // A container without /bin/sh (an image of one static program): said in words.
    let shell_less = uuid_of(&app, "shell-less").await;
    let mut t = open(&app, &shell_less, size(80, 24)).await;
    let (_, reason) = t.end(&app).await;
    let reason = reason.unwrap_or_default();
    assert!(
        reason.contains("no shell could start"),
        "{reason}\n{}",
        t.screen
    );
    // A command it has still runs.
    let slept = app
        .terminals
        .run(&shell_less, run("/sleep 0"))
        .await
        .unwrap();
    assert_eq!(slept.exit_code, Some(0));
    assert!(!slept.timed_out);

    // A command still running at its limit is stopped there, what it wrote kept; nothing of
    // it is left in the container.
    let uuid = uuid_of(&app, "box").await;
    let started = std::time::Instant::now();
    let stopped = app
        .terminals
        .run(
            &uuid,
            CommandRequest {
                command: "sh -c 'echo before-the-limit; sleep 600'".into(),
                timeout_secs: Some(2),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(stopped.timed_out, "{stopped:?}");
    assert_eq!(stopped.exit_code, None);
    assert_eq!(stopped.output.trim(), "before-the-limit");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(
        !top(&engine, "box").iter().any(|p| p.contains("sleep 600")),
        "{:?}",
        top(&engine, "box")
    );
    // A limit out of bounds is refused before anything runs.
    let refused = app
        .terminals
        .run(
            &uuid,
            CommandRequest {
                command: "true".into(),
                timeout_secs: Some(0),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("from 1 s"), "{refused}");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_works_over_ssh_too() {
    let engine = engine_with("remote-box");
    let keys = tempfile::tempdir().unwrap();
    let key = client_key(keys.path(), "id_plain", "");
    let sshd = TestSshd::start(&[&key], "");
    let app = App::new().await;
    let ssh = DeviceConnection::Ssh {
        host: "127.0.0.1".into(),
        port: Some(sshd.port),
        user: Some("root".into()),
        socket_path: engine.socket().display().to_string(),
        auth: SshAuth::KeyFile {
            path: key.display().to_string(),
            passphrase: None,
        },
    };
    approve_host_key(&app, &ssh).await;
    app.add_engine_with(ssh, "ssh").await;
    a_session(&app, &engine, "remote-box").await;

    // Files move over the SSH channel as well (archives on a channel of their own): listed,
    // uploaded, downloaded back the same, and a refusal in the engine's words.
    let uuid = uuid_of(&app, "remote-box").await;
    let local = tempfile::tempdir().unwrap();
    let payload: Vec<u8> = (0..3u32 << 20).map(|i| (i % 251) as u8).collect();
    std::fs::write(local.path().join("sent.bin"), &payload).unwrap();
    app.containers
        .upload(&uuid, &[local.path().join("sent.bin")], "/")
        .await
        .unwrap();
    let listing = app.containers.list_dir(&uuid, "/").await.unwrap();
    let sent = listing
        .entries
        .iter()
        .find(|e| e.name == "sent.bin")
        .unwrap();
    assert_eq!((sent.kind.as_str(), sent.size), ("file", 3 << 20));
    let back = tempfile::tempdir().unwrap();
    app.containers
        .download(&uuid, "/sent.bin", back.path())
        .await
        .unwrap();
    assert!(std::fs::read(back.path().join("sent.bin")).unwrap() == payload);
    let missing = app
        .containers
        .download(&uuid, "/no/such/path", back.path())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains("no such file or directory") || missing.contains("Could not find"),
        "{missing}"
    );
    app.shutdown().await;
}
