//! Pub/Sub through the real binary: messages reach a subscriber on another connection in
//! publish order (channel and pattern), and a subscriber that stops reading is dropped at the
//! pubsub output limit while the publisher and a reading subscriber carry on.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::{client, start};

#[test]
fn messages_arrive_in_publish_order_on_both_kinds_of_subscription() {
    let s = start(&[]);
    let mut sub_conn = client(&s);
    let mut ps = sub_conn.as_pubsub();
    ps.subscribe("news").unwrap();
    ps.psubscribe("n*").unwrap();
    ps.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut publisher = client(&s);
    for i in 0..100 {
        let n: i64 = redis::cmd("PUBLISH")
            .arg("news")
            .arg(format!("m{i}"))
            .query(&mut publisher)
            .unwrap();
        assert_eq!(n, 2, "one channel and one pattern subscription");
    }
    for i in 0..100 {
        for pattern in [None, Some("n*")] {
            let msg = ps.get_message().unwrap();
            assert_eq!(msg.get_channel_name(), "news");
            assert_eq!(
                msg.get_pattern::<Option<String>>().unwrap().as_deref(),
                pattern
            );
            assert_eq!(msg.get_payload::<String>().unwrap(), format!("m{i}"));
        }
    }
}

#[test]
fn a_subscriber_that_stops_reading_is_dropped_at_the_pubsub_limit() {
    let s = start(&["--client-output-buffer-limit", "pubsub 256kb 128kb 60"]);
    // Subscribes, then never reads again.
    let mut stuck = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    stuck
        .write_all(b"*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nfeed\r\n")
        .unwrap();
    let mut reader = client(&s);
    let mut ps = reader.as_pubsub();
    ps.subscribe("feed").unwrap();
    ps.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut publisher = client(&s);
    let wait_for = |publisher: &mut redis::Connection, want: i64| {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (_, n): (String, i64) = redis::cmd("PUBSUB")
                .arg("NUMSUB")
                .arg("feed")
                .query(publisher)
                .unwrap();
            if n == want {
                return;
            }
            assert!(Instant::now() < deadline, "NUMSUB stayed {n}, want {want}");
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    wait_for(&mut publisher, 2);
    let payload = "x".repeat(1024);
    const MESSAGES: usize = 20_000;
    let started = Instant::now();
    let mut received = 0;
    for batch in 0..MESSAGES / 100 {
        let mut pipe = redis::pipe();
        for i in 0..100 {
            pipe.cmd("PUBLISH")
                .arg("feed")
                .arg(format!("{}:{payload}", batch * 100 + i));
        }
        let _: Vec<i64> = pipe.query(&mut publisher).unwrap();
        // The reading subscriber keeps up, in order.
        for i in 0..100 {
            let msg = ps.get_message().unwrap();
            let body: String = msg.get_payload().unwrap();
            assert!(body.starts_with(&format!("{}:", batch * 100 + i)));
            received += 1;
        }
    }
    assert_eq!(received, MESSAGES);
    // 20 MB went out; the stuck client's socket buffers hold far less, so the server closed it.
    wait_for(&mut publisher, 1);
    stuck
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut sink = Vec::new();
    let _ = stuck.read_to_end(&mut sink);
    eprintln!(
        "published {MESSAGES} x 1 KB in {:?}; the stuck subscriber got {} bytes before the close",
        started.elapsed(),
        sink.len()
    );
    assert!(
        sink.len() < MESSAGES * 1024,
        "the stuck subscriber was not cut off"
    );
}

/// Keyspace notifications and client-side-caching invalidations reach idle connections
/// through the runtime's wake-up path (nothing is sent to those connections meanwhile).
#[test]
fn keyspace_events_and_invalidations_reach_idle_clients() {
    let s = start(&[]);
    let mut writer = client(&s);
    let () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("notify-keyspace-events")
        .arg("KEA")
        .query(&mut writer)
        .unwrap();
    let mut sub_conn = client(&s);
    let mut ps = sub_conn.as_pubsub();
    ps.psubscribe("__keyspace@0__:*").unwrap();
    ps.set_read_timeout(Some(Duration::from_secs(10))).unwrap();

    // A RESP3 client caching `k`.
    let mut cache = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    cache
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    cache.write_all(b"HELLO 3\r\n").unwrap();
    // HELLO's map ends with its (empty) module list.
    let mut hello = Vec::new();
    while !hello.ends_with(b"modules\r\n*0\r\n") {
        let mut b = [0u8; 1];
        cache.read_exact(&mut b).unwrap();
        hello.push(b[0]);
    }
    expect(&mut cache, b"CLIENT TRACKING ON\r\n", b"+OK\r\n");
    expect(&mut cache, b"GET k\r\n", b"_\r\n");

    let () = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query(&mut writer)
        .unwrap();
    expect(
        &mut cache,
        b"",
        b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n",
    );

    let msg = ps.get_message().unwrap();
    assert_eq!(msg.get_channel_name(), "__keyspace@0__:k");
    assert_eq!(msg.get_payload::<String>().unwrap(), "set");
}

/// Sends `send` (may be empty) and reads exactly `want` back.
fn expect(sock: &mut TcpStream, send: &[u8], want: &[u8]) {
    sock.write_all(send).unwrap();
    let mut got = vec![0; want.len()];
    sock.read_exact(&mut got).unwrap();
    assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(want));
}
