//! LogsService: batches bounded by the viewer's answers, gaps told, and streams that end with
//! a reason (removed, device gone, stopped, complete) or when closed, closing the engine side.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::*;
use crate::model::{DeviceStatus, LogEndKind, LogEvent, LogLine, LogQuery, LogSource};
use crate::services::{
    LogSink, MAX_BATCH_LINES, MAX_BUFFERED_BYTES, MAX_BUFFERED_LINES, MAX_IN_FLIGHT,
};
use crate::CoreError;

fn line(i: usize) -> LogLine {
    LogLine {
        ts: i as f64,
        source: if i.is_multiple_of(2) {
            LogSource::Stdout
        } else {
            LogSource::Stderr
        },
        text: format!("line {i}"),
        cut: false,
    }
}

/// A sink into a channel; it reports the viewer gone once the receiver is dropped.
fn viewer() -> (LogSink, mpsc::UnboundedReceiver<LogEvent>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Arc::new(move |e| tx.send(e).is_ok()), rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<LogEvent>) -> LogEvent {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("no log event came")
        .expect("the stream's sink was dropped")
}

/// Waits (bounded) for `cond`.
async fn until(mut cond: impl FnMut() -> bool) {
    tokio::time::timeout(Duration::from_secs(5), async {
        while !cond() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the condition did not come true");
}

/// The first request of a followed log: its written lines, without following.
fn written(query: &LogQuery) -> LogQuery {
    LogQuery {
        follow: false,
        ..query.clone()
    }
}

#[tokio::test]
async fn written_lines_wait_for_a_slow_viewer_none_is_left_out_and_the_follow_goes_on_after_them() {
    let core = TestCore::new(T0_MS);
    let (_dev, web) = with_web(&core).await;
    let backlog = core.driver.feed_logs();
    let live = core.driver.feed_logs();
    let (sink, mut rx) = viewer();
    let whole = LogQuery {
        tail: None,
        ..LogQuery::default()
    };
    let id = core.logs.open(&web, whole.clone(), sink).await.unwrap();
    assert_eq!(core.driver.log_queries(), vec![written(&whole)]);

    // Far more written lines than a viewer's wait holds, and a viewer that answers nothing.
    let total = MAX_IN_FLIGHT as usize * MAX_BATCH_LINES + MAX_BUFFERED_LINES * 2 + 3_500;
    for i in 0..total {
        backlog.send(Ok(line(i))).unwrap();
    }
    drop(backlog);
    let mut received = 0;
    let mut seq = 0;
    for _ in 0..MAX_IN_FLIGHT {
        let LogEvent::Lines { seq: s, lines } = next(&mut rx).await else {
            panic!("a batch")
        };
        assert_eq!(lines[0], line(received), "in order");
        received += lines.len();
        seq = s;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        rx.try_recv().is_err(),
        "a batch came that the viewer had no room for"
    );
    // The engine is read no further than the wait holds: the follow has not opened.
    assert_eq!(core.driver.log_queries().len(), 1);

    // As the viewer answers, every written line comes, none left out.
    core.logs.ack(id, seq);
    while received < total {
        match next(&mut rx).await {
            LogEvent::Lines { seq: s, lines } => {
                assert_eq!(lines[0], line(received), "in order, none left out");
                received += lines.len();
                core.logs.ack(id, s);
            }
            other => panic!("only lines, got {other:?}"),
        }
    }
    assert_eq!(received, total);

    // Then the follow, from the second of the newest line; what it repeats is skipped.
    until(|| core.driver.log_queries().len() == 2).await;
    let newest = (total - 1) as f64;
    assert_eq!(
        core.driver.log_queries()[1],
        LogQuery {
            tail: None,
            since: Some((newest / 1000.0).floor() as i64),
            ..whole.clone()
        }
    );
    for i in (total - 700)..(total + 5) {
        live.send(Ok(line(i))).unwrap();
    }
    let LogEvent::Lines { lines, .. } = next(&mut rx).await else {
        panic!("the new lines")
    };
    assert_eq!(lines, (total..total + 5).map(line).collect::<Vec<_>>());
    core.logs.close(id);
}

#[tokio::test]
async fn long_written_lines_past_the_bytes_bound_wait_too_and_none_is_left_out() {
    let core = TestCore::new(T0_MS);
    let (_dev, web) = with_web(&core).await;
    let backlog = core.driver.feed_logs();
    let (sink, mut rx) = viewer();
    let range = LogQuery {
        tail: None,
        follow: false,
        ..LogQuery::default()
    };
    let id = core.logs.open(&web, range, sink).await.unwrap();
    // Lines of a megabyte each, more than the bytes bound holds; the viewer answers late.
    let big = |i: usize| LogLine {
        text: format!("{i:08} {}", "x".repeat(1 << 20)),
        ..line(i)
    };
    let total = MAX_BUFFERED_BYTES / (1 << 20) + 8;
    for i in 0..total {
        backlog.send(Ok(big(i))).unwrap();
    }
    drop(backlog);
    let mut received = 0;
    loop {
        match next(&mut rx).await {
            LogEvent::Lines { seq, lines } => {
                for l in &lines {
                    assert_eq!(
                        l.text[..8],
                        format!("{received:08}"),
                        "in order, none left out"
                    );
                    received += 1;
                }
                core.logs.ack(id, seq);
            }
            LogEvent::Ended { kind, .. } => {
                assert_eq!(kind, LogEndKind::Complete);
                break;
            }
            LogEvent::Skipped { count, .. } => panic!("{count} written lines left out"),
        }
    }
    assert_eq!(received, total);
}

#[tokio::test]
async fn a_slow_viewer_of_new_lines_gets_bounded_batches_and_is_told_what_was_left_out() {
    let core = TestCore::new(T0_MS);
    let (_dev, web) = with_web(&core).await;
    let feed = core.driver.feed_followed_logs();
    let (sink, mut rx) = viewer();
    let id = core
        .logs
        .open(&web, LogQuery::default(), sink)
        .await
        .unwrap();
    // Nothing was written yet: the follow is opened as asked.
    until(|| core.driver.log_queries().len() == 2).await;
    assert_eq!(
        core.driver.log_queries(),
        vec![written(&LogQuery::default()), LogQuery::default()]
    );

    for i in 0..3 {
        feed.send(Ok(line(i))).unwrap();
    }
    let LogEvent::Lines { seq: 1, lines } = next(&mut rx).await else {
        panic!("a first batch")
    };
    assert_eq!(lines, (0..3).map(line).collect::<Vec<_>>());

    // The viewer answers nothing while far more than the bound arrives.
    let extra = 100;
    let total = 3 + MAX_IN_FLIGHT as usize * MAX_BATCH_LINES + MAX_BUFFERED_LINES + extra;
    for i in 3..total {
        feed.send(Ok(line(i))).unwrap();
    }
    let mut received = 3;
    for seq in 2..=MAX_IN_FLIGHT {
        let LogEvent::Lines { seq: s, lines } = next(&mut rx).await else {
            panic!("batch {seq}")
        };
        assert_eq!(s, seq);
        assert!(!lines.is_empty() && lines.len() <= MAX_BATCH_LINES);
        assert_eq!(lines[0], line(received), "in order");
        received += lines.len();
    }
    // Nothing more until the viewer answers.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        rx.try_recv().is_err(),
        "a batch came that the viewer had no room for"
    );

    core.logs.ack(id, MAX_IN_FLIGHT);
    let LogEvent::Skipped { count, from, to } = next(&mut rx).await else {
        panic!("the gap first")
    };
    // What did not fit in the bounded wait was left out: the oldest waiting lines, those
    // right after the batches sent.
    assert_eq!(count as usize, total - received - MAX_BUFFERED_LINES);
    assert_eq!(
        (from, to),
        (received as f64, (received + count as usize - 1) as f64)
    );
    received += count as usize;
    let mut seq = MAX_IN_FLIGHT;
    while received < total {
        let LogEvent::Lines { seq: s, lines } = next(&mut rx).await else {
            panic!("lines")
        };
        assert_eq!(s, seq + 1);
        assert_eq!(
            lines[0],
            line(received),
            "in order, nothing lost after the gap"
        );
        received += lines.len();
        seq = s;
        core.logs.ack(id, s);
    }
    assert_eq!(received, total);
    core.logs.close(id);
}

#[tokio::test]
async fn removing_the_container_ends_the_stream_and_closes_the_engine_side() {
    let core = TestCore::new(T0_MS);
    let (dev, web) = with_web(&core).await;
    let feed = core.driver.feed_followed_logs();
    let (sink, mut rx) = viewer();
    core.logs
        .open(&web, LogQuery::default(), sink)
        .await
        .unwrap();
    assert_eq!(core.logs.open_streams(), vec![web.clone()]);
    feed.send(Ok(line(0))).unwrap();
    assert!(matches!(next(&mut rx).await, LogEvent::Lines { .. }));

    use crate::ports::InventorySink;
    core.inventory
        .sync_snapshot(&dev, crate::model::InventorySnapshot::default())
        .await
        .unwrap();
    let LogEvent::Ended { kind, message } = next(&mut rx).await else {
        panic!("an end")
    };
    assert_eq!(
        (kind, message.as_str()),
        (LogEndKind::Removed, "the container was removed")
    );
    until(|| feed.is_closed()).await;
    until(|| core.logs.open_streams().is_empty()).await;
}

#[tokio::test]
async fn a_device_going_away_ends_the_stream_with_its_reason() {
    let core = TestCore::new(T0_MS);
    let (dev, web) = with_web(&core).await;
    let feed = core.driver.feed_logs();
    let (sink, mut rx) = viewer();
    core.logs
        .open(&web, LogQuery::default(), sink)
        .await
        .unwrap();
    // Reconnecting is not going away.
    core.bus().publish(DomainEvent::DeviceStatusChanged {
        device_uuid: dev.clone(),
        status: DeviceStatus::Connecting,
    });
    core.bus().publish(DomainEvent::DeviceStatusChanged {
        device_uuid: dev,
        status: DeviceStatus::Unreachable {
            reason: "connection refused".into(),
        },
    });
    let LogEvent::Ended { kind, message } = next(&mut rx).await else {
        panic!("an end")
    };
    assert_eq!(kind, LogEndKind::DeviceGone);
    assert_eq!(message, "the device is unreachable: connection refused");
    until(|| feed.is_closed()).await;
}

#[tokio::test]
async fn a_range_ends_complete_after_its_lines_and_a_followed_log_ends_when_the_engine_ends_it() {
    let core = TestCore::new(T0_MS);
    let (_dev, web) = with_web(&core).await;

    let feed = core.driver.feed_logs();
    let (sink, mut rx) = viewer();
    let range = LogQuery {
        follow: false,
        tail: None,
        ..LogQuery::default()
    };
    core.logs.open(&web, range, sink).await.unwrap();
    for i in 0..2 {
        feed.send(Ok(line(i))).unwrap();
    }
    drop(feed);
    let LogEvent::Lines { lines, .. } = next(&mut rx).await else {
        panic!("the lines first")
    };
    assert_eq!(lines.len(), 2);
    let LogEvent::Ended { kind, .. } = next(&mut rx).await else {
        panic!("an end")
    };
    assert_eq!(kind, LogEndKind::Complete);

    let feed = core.driver.feed_followed_logs();
    let (sink, mut rx) = viewer();
    core.logs
        .open(&web, LogQuery::default(), sink)
        .await
        .unwrap();
    drop(feed);
    let LogEvent::Ended { kind, message } = next(&mut rx).await else {
        panic!("an end")
    };
    assert_eq!(
        (kind, message.as_str()),
        (LogEndKind::Stopped, "the container stopped")
    );
}

#[tokio::test]
async fn an_engine_error_ends_the_stream_in_words() {
    let core = TestCore::new(T0_MS);
    let (_dev, web) = with_web(&core).await;
    let feed = core.driver.feed_logs();
    let (sink, mut rx) = viewer();
    core.logs
        .open(&web, LogQuery::default(), sink)
        .await
        .unwrap();
    feed.send(Err(crate::EngineError::Other("broken pipe".into())))
        .unwrap();
    let LogEvent::Ended { kind, message } = next(&mut rx).await else {
        panic!("an end")
    };
    assert_eq!(kind, LogEndKind::Failed);
    assert_eq!(message, "the engine stopped sending the log: broken pipe");
}

#[tokio::test]
async fn closing_or_losing_the_viewer_closes_the_engine_side() {
    let core = TestCore::new(T0_MS);
    let (_dev, web) = with_web(&core).await;

    let feed = core.driver.feed_logs();
    let (sink, _rx) = viewer();
    let id = core
        .logs
        .open(&web, LogQuery::default(), sink)
        .await
        .unwrap();
    core.logs.close(id);
    until(|| feed.is_closed()).await;
    assert!(core.logs.open_streams().is_empty());

    // A viewer that went away without closing (its page reloaded): the next send finds out.
    let feed = core.driver.feed_logs();
    let (sink, rx) = viewer();
    core.logs
        .open(&web, LogQuery::default(), sink)
        .await
        .unwrap();
    drop(rx);
    feed.send(Ok(line(0))).unwrap();
    until(|| feed.is_closed()).await;
    until(|| core.logs.open_streams().is_empty()).await;

    // And all at once, as a page load does.
    let mut kept = Vec::new();
    for _ in 0..3 {
        let feed = core.driver.feed_logs();
        let (sink, rx) = viewer();
        core.logs
            .open(&web, LogQuery::default(), sink)
            .await
            .unwrap();
        kept.push((feed, rx));
    }
    assert_eq!(core.logs.open_streams().len(), 3);
    core.logs.close_all();
    for (feed, _) in &kept {
        until(|| feed.is_closed()).await;
    }
}

/// On threads of its own, as in the app: the events a viewer was not yet handed when its
/// stream is closed never reach it, even those of a stream that has already ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_stream_stops_the_events_its_viewer_was_not_yet_handed() {
    let core = TestCore::new(T0_MS);
    let (_dev, web) = with_web(&core).await;
    let feed = core.driver.feed_logs();
    // A viewer that is busy with its first batch until the test lets it go.
    let (release, busy) = std::sync::mpsc::channel::<()>();
    let busy = std::sync::Mutex::new(busy);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sink: LogSink = Arc::new(move |e| {
        let batch = matches!(e, LogEvent::Lines { .. });
        let ok = tx.send(e).is_ok();
        if batch {
            let _ = busy.lock().unwrap().recv_timeout(Duration::from_secs(10));
        }
        ok
    });
    let whole = LogQuery {
        tail: None,
        follow: false,
        ..LogQuery::default()
    };
    let id = core.logs.open(&web, whole, sink).await.unwrap();
    feed.send(Ok(line(0))).unwrap();
    feed.send(Err(crate::EngineError::Other("broken pipe".into())))
        .unwrap();
    assert!(matches!(next(&mut rx).await, LogEvent::Lines { .. }));
    // The stream has ended on the engine's side; its end waits for the busy viewer.
    until(|| feed.is_closed()).await;
    assert_eq!(
        core.logs.open_streams().len(),
        1,
        "closable until all is handed on"
    );
    core.logs.close(id);
    release.send(()).unwrap();
    // The sink goes with the stream's last task: nothing came between the close and then.
    let after = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("the stream's sink was kept");
    assert!(after.is_none(), "an event after the close: {after:?}");
    assert!(core.logs.open_streams().is_empty());
}

#[tokio::test]
async fn a_query_without_an_output_or_an_unknown_container_is_refused_in_words() {
    let core = TestCore::new(T0_MS);
    let (_dev, web) = with_web(&core).await;
    let (sink, _rx) = viewer();
    let none = LogQuery {
        stdout: false,
        stderr: false,
        ..LogQuery::default()
    };
    let err = core.logs.open(&web, none, sink.clone()).await.unwrap_err();
    assert!(matches!(err, CoreError::InvalidInput(ref m) if m == "choose stdout, stderr or both"));
    let err = core
        .logs
        .open("nope", LogQuery::default(), sink)
        .await
        .unwrap_err();
    assert!(matches!(err, CoreError::NotFound { .. }));
}
