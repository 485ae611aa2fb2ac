//! `ferrokey-tokio`: sockets, tasks, timers and signals around `engine`; nothing else. One
//! task per connection on tokio's multi-thread runtime: each read goes straight into the
//! connection's state machine and all replies of that read leave in one write, while the
//! task keeps reading so the engine can enforce output-buffer limits on a client that doesn't.

use std::future::poll_fn;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use engine::log::Level;
use engine::startup::{self, now_us, Leftovers};
use engine::{Connection, Server};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UnixListener};
use tokio::signal::unix::{signal, Signal, SignalKind};

/// Counts live bytes for INFO used_memory.
#[global_allocator]
static ALLOCATOR: engine::alloc::Counting = engine::alloc::Counting;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (server, leftovers) = match startup::boot(&args, "tokio") {
        Ok(booted) => booted,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let threads = startup::worker_threads(&server.config());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(server, threads, leftovers))
}

async fn serve(server: Arc<Server>, threads: usize, mut leftovers: Leftovers) -> ExitCode {
    // Before the start-up line: whoever waits for it may signal at once.
    let signals = match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(term), Ok(int)) => (term, int),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("cannot install signal handlers: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = server.config();
    let mut listeners = Vec::new();
    for (target, optional) in startup::listen_targets(&config) {
        match TcpListener::bind(&target).await {
            Ok(l) => listeners.push(l),
            Err(e) => {
                startup::listen_failed(&server, &target, optional, &e);
                if !optional {
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    let mut names: Vec<String> = listeners
        .iter()
        .filter_map(|l| l.local_addr().ok())
        .map(|a| a.to_string())
        .collect();
    let unix = match startup::unix_socket(&config) {
        Some(path) => match UnixListener::bind(path) {
            Ok(l) => {
                if let Err(e) = startup::unix_socket_bound(&config, &mut leftovers) {
                    server.log(now_us(), Level::Warning, &e);
                    return ExitCode::FAILURE;
                }
                names.push(path.to_owned());
                Some(l)
            }
            Err(e) => {
                let failed = startup::unix_listen_failed(path, &e);
                server.log(now_us(), Level::Warning, &failed);
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    startup::log_ready(
        &server,
        &startup::banner("tokio", threads, &names),
        !listeners.is_empty(),
        unix.is_some(),
        now_us(),
    );

    let cron = {
        let server = server.clone();
        let hz = u64::from(config.effective_hz());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(1000 / hz));
            loop {
                tick.tick().await;
                server.cron(now_us() / 1000);
            }
        })
    };
    let mut accepting: Vec<_> = listeners
        .into_iter()
        .map(|l| tokio::spawn(accept_tcp(server.clone(), l)))
        .collect();
    if let Some(l) = unix {
        accepting.push(tokio::spawn(accept_unix(
            server.clone(),
            l,
            config.unixsocket.clone(),
        )));
    }

    tokio::select! {
        signal = shutdown_signal(signals) => startup::shutdown_signal(&server, signal, now_us()),
        () = poll_fn(|cx| server.poll_shutdown(cx)) => {}
    }
    for task in &accepting {
        task.abort();
    }
    // Connections finish the replies they owe; one that will not take them is not waited for.
    let deadline = Instant::now() + startup::SHUTDOWN_GRACE;
    while !server.clients.is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    cron.abort();
    startup::exit(&server, leftovers, now_us());
    ExitCode::SUCCESS
}

/// The name of the first termination signal received.
async fn shutdown_signal((mut term, mut int): (Signal, Signal)) -> &'static str {
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    }
}

async fn accept_tcp(server: Arc<Server>, listener: TcpListener) {
    let laddr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let keepalive = startup::keepalive(&server.config()).map(|(time, every, retries)| {
        socket2::TcpKeepalive::new()
            .with_time(time)
            .with_interval(every)
            .with_retries(retries)
    });
    loop {
        let (mut socket, addr) = match listener.accept().await {
            Ok(pair) => pair,
            Err(e) => {
                tokio::time::sleep(startup::accept_failed(&server, &e, now_us())).await;
                continue;
            }
        };
        let _ = socket.set_nodelay(true);
        if let Some(k) = &keepalive {
            let _ = socket2::SockRef::from(&socket).set_tcp_keepalive(k);
        }
        match startup::accept(&server, addr, &laddr, now_us()) {
            Ok(conn) => {
                tokio::spawn(async move {
                    let (rd, wr) = socket.split();
                    serve_connection(conn, rd, wr).await;
                });
            }
            Err(reply) => {
                let _ = socket.write_all(reply).await;
            }
        }
    }
}

async fn accept_unix(server: Arc<Server>, listener: UnixListener, path: String) {
    loop {
        let mut socket = match listener.accept().await {
            Ok((socket, _)) => socket,
            Err(e) => {
                tokio::time::sleep(startup::accept_failed(&server, &e, now_us())).await;
                continue;
            }
        };
        match startup::accept_unix(&server, &path, now_us()) {
            Ok(conn) => {
                tokio::spawn(async move {
                    let (rd, wr) = socket.split();
                    serve_connection(conn, rd, wr).await;
                });
            }
            Err(reply) => {
                let _ = socket.write_all(reply).await;
            }
        }
    }
}

/// One client until either side closes. Reads and writes run side by side: a client that
/// does not read its replies keeps being read, and the engine closes it at its output limit.
async fn serve_connection(
    mut conn: Connection,
    mut rd: impl AsyncRead + Unpin,
    mut wr: impl AsyncWrite + Unpin,
) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut out = Vec::with_capacity(16 * 1024);
    let mut sent = 0;
    loop {
        if conn.abandoned() {
            return;
        }
        if out.is_empty() {
            conn.take_output(&mut out);
            sent = 0;
        }
        if conn.should_close() && out.is_empty() {
            let _ = wr.shutdown().await;
            return;
        }
        let reading = !conn.should_close();
        let sleep_for = conn
            .poll_timeout()
            .map(|d| Duration::from_micros(d.saturating_sub(now_us())));
        // Events from other clients: a blocked command served or unblocked, CLIENT KILL,
        // SHUTDOWN. While flushing before a close only an abandon matters.
        let woken = poll_fn(|cx| {
            if reading {
                conn.poll_ready(cx, now_us())
            } else if conn.abandoned() {
                Poll::Ready(())
            } else {
                conn.set_waker(cx.waker());
                Poll::Pending
            }
        });
        tokio::select! {
            read = rd.read(&mut buf), if reading => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    conn.receive(&buf[..n], now_us());
                    if !conn.output().is_empty() {
                        // Reply after the other connections that are ready now have run
                        // their commands (tokio resumes a yielded task after the next
                        // driver poll), as Valkey writes at the end of an event-loop
                        // turn: back-to-back sends find the client already awake, where
                        // a send after every read pays a cross-CPU wake-up each time.
                        tokio::task::yield_now().await;
                    }
                }
            },
            wrote = wr.write(&out[sent..]), if !out.is_empty() => match wrote {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    sent += n;
                    if sent == out.len() {
                        out.clear();
                        conn.output_written();
                    }
                }
            },
            () = tokio::time::sleep(sleep_for.unwrap_or_default()), if sleep_for.is_some() => {
                conn.handle_timeout(now_us());
            }
            () = woken => {}
        }
    }
}
