//! `ferrokey-monoio`: sockets, tasks, timers and signals around `engine`; nothing else. One
//! monoio runtime per worker thread (io_uring, or epoll where io_uring is not allowed), each
//! with its own SO_REUSEPORT listener, so the kernel spreads connections across threads and a
//! connection lives on one thread.

use std::future::poll_fn;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::task::Poll;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use engine::{startup, Connection, Probes, Server};
use monoio::io::{AsyncReadRent, AsyncWriteRentExt};
use monoio::net::{ListenerOpts, TcpListener, TcpStream};

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
    // SO_REUSEPORT would let a second server silently share a taken port: probe without it.
    let mut addrs = Vec::new();
    for (target, optional) in startup::listen_targets(&config) {
        match StdListener::bind(&target).and_then(|l| l.local_addr()) {
            Ok(addr) => addrs.push(addr),
            Err(e) if optional => eprintln!("warning: could not bind {target}: {e}"),
            Err(e) => {
                eprintln!("{}", startup::listen_failed(config.port, &target, &e));
                return ExitCode::FAILURE;
            }
        }
    }
    let probes = Probes {
        monotonic_us: Some(monotonic_us),
        ..Probes::default()
    };
    let server = Arc::new(Server::new(config).with_probes(probes));

    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<&'static str, String>>();
    for worker in 0..threads {
        let server = server.clone();
        let addrs = addrs.clone();
        let ready = ready_tx.clone();
        std::thread::spawn(move || {
            let runtime = monoio::RuntimeBuilder::<monoio::FusionDriver>::new()
                .enable_timer()
                .build();
            let mut runtime = match runtime {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready.send(Err(format!("cannot start a monoio runtime: {e}")));
                    return;
                }
            };
            let driver = match &runtime {
                monoio::FusionRuntime::Uring(_) => "io_uring",
                monoio::FusionRuntime::Legacy(_) => "epoll",
            };
            runtime.block_on(worker_main(server, addrs, worker, driver, ready));
        });
    }
    drop(ready_tx);
    let mut driver = "";
    for _ in 0..threads {
        match ready_rx.recv() {
            Ok(Ok(d)) => driver = d,
            Ok(Err(e)) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
            Err(_) => return ExitCode::FAILURE,
        }
    }
    let names: Vec<String> = addrs.iter().map(SocketAddr::to_string).collect();
    println!(
        "{} driver={driver}",
        startup::banner("monoio", threads, &names)
    );

    match signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
    ]) {
        Ok(mut signals) => {
            signals.forever().next();
            println!("ferrokey: received shutdown signal, exiting");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot install signal handlers: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One worker thread: its own listeners (SO_REUSEPORT), its connections, and on worker 0 the
/// periodic engine work.
async fn worker_main(
    server: Arc<Server>,
    addrs: Vec<SocketAddr>,
    worker: usize,
    driver: &'static str,
    ready: std::sync::mpsc::Sender<Result<&'static str, String>>,
) {
    let opts = ListenerOpts::new().reuse_port(true).reuse_addr(true);
    let mut listeners = Vec::new();
    for addr in &addrs {
        match TcpListener::bind_with_config(addr, &opts) {
            Ok(l) => listeners.push(l),
            Err(e) => {
                let _ = ready.send(Err(format!("Failed listening on {addr}: {e}, aborting.")));
                return;
            }
        }
    }
    let _ = ready.send(Ok(driver));
    if worker == 0 {
        let server = server.clone();
        let hz = u64::from(server.config().effective_hz());
        monoio::spawn(async move {
            loop {
                monoio::time::sleep(Duration::from_millis(1000 / hz)).await;
                server.cron(now_us() / 1000);
            }
        });
    }
    let mut accepting = Vec::new();
    for listener in listeners {
        accepting.push(monoio::spawn(accept_loop(server.clone(), listener)));
    }
    for task in accepting {
        task.await;
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
                monoio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = socket.set_nodelay(true);
        let conn = match startup::accept(&server, addr, &laddr, now_us()) {
            Ok(conn) => conn,
            Err(reply) => {
                let _ = socket.write_all(reply.to_vec()).await;
                continue;
            }
        };
        monoio::spawn(serve_connection(server.clone(), conn, socket));
    }
}

/// One client: read, feed the engine, write what it produced, until either side closes.
async fn serve_connection(server: Arc<Server>, mut conn: Connection, mut socket: TcpStream) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut out: Vec<u8> = Vec::with_capacity(16 * 1024);
    let config = server.config();
    let idle = (config.timeout > 0).then(|| Duration::from_secs(config.timeout));
    loop {
        if !conn.output().is_empty() {
            conn.take_output(&mut out);
            let (res, back) = socket.write_all(out).await;
            if res.is_err() {
                return;
            }
            out = back;
            out.clear();
        }
        if conn.should_close() {
            return;
        }
        if conn.pending_input() as u64 > server.config().client_query_buffer_limit {
            eprintln!("closing client: query buffer over client-query-buffer-limit");
            return;
        }
        // DEBUG SLEEP: this connection waits; its later input stays in the kernel meanwhile.
        if let Some(deadline) = conn.poll_timeout() {
            monoio::time::sleep(Duration::from_micros(deadline.saturating_sub(now_us()))).await;
            conn.handle_timeout(now_us());
            continue;
        }
        let killed = poll_fn(|cx| {
            if conn.should_close() {
                Poll::Ready(())
            } else {
                conn.set_waker(cx.waker());
                Poll::Pending
            }
        });
        let idle_sleep = async {
            match idle {
                Some(d) => monoio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        // Losing the read's buffer on the other branches is fine: the connection closes.
        monoio::select! {
            (res, back) = socket.read(buf) => {
                buf = back;
                match res {
                    Ok(0) | Err(_) => return,
                    Ok(n) => conn.receive(&buf[..n], now_us()),
                }
            }
            () = killed => return,
            () = idle_sleep => return,
        }
    }
}
