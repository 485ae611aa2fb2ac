//! `ferrokey-tokio`: sockets, tasks, timers and signals around `engine`; nothing else. One
//! task per connection on tokio's multi-thread runtime: each read goes straight into the
//! connection's state machine and all replies of that read leave in one write.

use std::future::poll_fn;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::task::Poll;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use engine::{startup, Connection, Probes, Server};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

fn monotonic_us() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_micros() as u64
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match startup::config_from_command_line(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let threads = if config.io_threads > 0 {
        config.io_threads
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    };
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
    let probes = Probes {
        monotonic_us: Some(monotonic_us),
        ..Probes::default()
    };
    let server = Arc::new(Server::new(config).with_probes(probes));
    runtime.block_on(serve(server, threads))
}

async fn serve(server: Arc<Server>, threads: usize) -> ExitCode {
    let config = server.config();
    let mut listeners = Vec::new();
    for (target, optional) in startup::listen_targets(&config) {
        match TcpListener::bind(&target).await {
            Ok(l) => listeners.push(l),
            Err(e) if optional => eprintln!("warning: could not bind {target}: {e}"),
            Err(e) => {
                eprintln!("{}", startup::listen_failed(config.port, &target, &e));
                return ExitCode::FAILURE;
            }
        }
    }
    let names: Vec<String> = listeners
        .iter()
        .filter_map(|l| l.local_addr().ok())
        .map(|a| a.to_string())
        .collect();
    println!("{}", startup::banner("tokio", threads, &names));

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
    for listener in listeners {
        tokio::spawn(accept_loop(server.clone(), listener));
    }
    shutdown_signal().await;
    println!("ferrokey: received shutdown signal, exiting");
    cron.abort();
    ExitCode::SUCCESS
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending().await,
    }
}

async fn accept_loop(server: Arc<Server>, listener: TcpListener) {
    let laddr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    loop {
        let (mut socket, addr) = match listener.accept().await {
            Ok(pair) => pair,
            Err(e) => {
                eprintln!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = socket.set_nodelay(true);
        let conn = match startup::accept(&server, addr, &laddr, now_us()) {
            Ok(conn) => conn,
            Err(reply) => {
                let _ = socket.write_all(reply).await;
                continue;
            }
        };
        tokio::spawn(serve_connection(server.clone(), conn, socket));
    }
}

/// One client: read, feed the engine, write what it produced, until either side closes.
async fn serve_connection(
    server: Arc<Server>,
    mut conn: Connection,
    mut socket: impl AsyncRead + AsyncWrite + Unpin,
) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut out = Vec::with_capacity(16 * 1024);
    let config = server.config();
    let idle = (config.timeout > 0).then(|| Duration::from_secs(config.timeout));
    loop {
        if !conn.output().is_empty() {
            conn.take_output(&mut out);
            if socket.write_all(&out).await.is_err() {
                return;
            }
            out.clear();
        }
        if conn.should_close() {
            let _ = socket.shutdown().await;
            return;
        }
        if conn.pending_input() as u64 > server.config().client_query_buffer_limit {
            eprintln!("closing client: query buffer over client-query-buffer-limit");
            return;
        }
        let deadline = conn.poll_timeout();
        let sleep_for = deadline.map(|d| Duration::from_micros(d.saturating_sub(now_us())));
        let killed = poll_fn(|cx| {
            if conn.should_close() {
                Poll::Ready(())
            } else {
                conn.set_waker(cx.waker());
                Poll::Pending
            }
        });
        tokio::select! {
            read = socket.read(&mut buf) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => conn.receive(&buf[..n], now_us()),
            },
            () = async { tokio::time::sleep(sleep_for.unwrap_or_default()).await }, if sleep_for.is_some() => {
                conn.handle_timeout(now_us());
            }
            () = async { tokio::time::sleep(idle.unwrap_or_default()).await }, if idle.is_some() && deadline.is_none() => {
                return;
            }
            () = killed => {}
        }
    }
}
