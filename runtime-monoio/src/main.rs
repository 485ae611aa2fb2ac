//! `ferrokey-monoio`: sockets, tasks, timers and signals around `engine`; nothing else. One
//! monoio runtime per worker thread (io_uring, or epoll where io_uring is not allowed), each
//! with its own SO_REUSEPORT listener, so the kernel spreads connections across threads and a
//! connection lives on one thread.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::os::unix::net::UnixListener as StdUnixListener;
use std::pin::pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};
use std::time::{Duration, Instant};

use engine::log::Level;
use engine::startup::{self, now_us};
use engine::{Connection, Server};
use monoio::io::{AsyncReadRent, AsyncWriteRent, AsyncWriteRentExt, Split, Splitable};
use monoio::net::{ListenerOpts, TcpListener, UnixListener};

/// Counts live bytes for INFO used_memory.
#[global_allocator]
static ALLOCATOR: engine::alloc::Counting = engine::alloc::Counting;

/// Wakes a parked thread: lets the main thread wait on the engine's shutdown future.
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The I/O driver is known once the workers started; INFO says "monoio".
    let (server, mut leftovers) = match startup::boot(&args, "monoio") {
        Ok(booted) => booted,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let config = server.config();
    let threads = startup::worker_threads(&config);
    // SO_REUSEPORT would let a second server silently share a taken port: probe without it.
    let mut addrs = Vec::new();
    for (target, optional) in startup::listen_targets(&config) {
        match StdListener::bind(&target).and_then(|l| l.local_addr()) {
            Ok(addr) => addrs.push(addr),
            Err(e) => {
                startup::listen_failed(&server, &target, optional, &e);
                if !optional {
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    // One unix listener, accepted on by every worker.
    let unix = match startup::unix_socket(&config) {
        Some(path) => {
            let bound = StdUnixListener::bind(path)
                .and_then(|l| l.set_nonblocking(true).map(|()| l))
                .map_err(|e| startup::unix_listen_failed(path, &e))
                .and_then(|l| startup::unix_socket_bound(&config, &mut leftovers).map(|()| l));
            match bound {
                Ok(l) => Some(l),
                Err(e) => {
                    server.log(now_us(), Level::Warning, &e);
                    return ExitCode::FAILURE;
                }
            }
        }
        None => None,
    };

    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<&'static str, String>>();
    for worker in 0..threads {
        let server = server.clone();
        let addrs = addrs.clone();
        let ready = ready_tx.clone();
        let unix = match unix.as_ref().map(StdUnixListener::try_clone).transpose() {
            Ok(u) => u,
            Err(e) => {
                eprintln!("cannot share the unix socket: {e}");
                return ExitCode::FAILURE;
            }
        };
        std::thread::spawn(move || {
            let runtime = build_runtime();
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
            runtime.block_on(worker_main(server, addrs, unix, worker, driver, ready));
        });
    }
    drop(ready_tx);
    let mut driver = "";
    for _ in 0..threads {
        match ready_rx.recv() {
            Ok(Ok(d)) => driver = d,
            Ok(Err(e)) => {
                server.log(now_us(), Level::Warning, &e);
                return ExitCode::FAILURE;
            }
            Err(_) => return ExitCode::FAILURE,
        }
    }
    // monoio has no signal support: a plain thread turns SIGTERM/SIGINT into a shutdown.
    // Installed before the start-up line: whoever waits for it may signal at once.
    let signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
    ]);
    match signals {
        Ok(mut signals) => {
            let server = server.clone();
            std::thread::spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    let name = if signal == signal_hook::consts::SIGINT {
                        "SIGINT"
                    } else {
                        "SIGTERM"
                    };
                    startup::shutdown_signal(&server, name, now_us());
                }
            });
        }
        Err(e) => {
            eprintln!("cannot install signal handlers: {e}");
            return ExitCode::FAILURE;
        }
    }
    let mut names: Vec<String> = addrs.iter().map(SocketAddr::to_string).collect();
    if unix.is_some() {
        names.push(config.unixsocket.clone());
    }
    let banner = startup::banner("monoio", threads, &names);
    startup::log_ready(
        &server,
        &format!("{banner} driver={driver}"),
        !addrs.is_empty(),
        unix.is_some(),
        now_us(),
    );

    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    while server.poll_shutdown(&mut cx).is_pending() {
        std::thread::park();
    }
    // Workers stop accepting; connections finish the replies they owe.
    let deadline = Instant::now() + startup::SHUTDOWN_GRACE;
    while !server.clients.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    startup::exit(&server, leftovers, now_us());
    ExitCode::SUCCESS
}

/// One worker thread: its own listeners (SO_REUSEPORT), its connections, and on worker 0 the
/// periodic engine work.
/// One thread's runtime. Its ring runs completions cooperatively: without it, every packet
/// for a parked read makes the kernel interrupt the worker with an IPI to run the receive
/// (measured at pipeline 1: a quarter of the server's samples in the IPI and its socket-lock
/// contention). Only this thread submits to its ring. A kernel that refuses the flags
/// (before 6.0) gets a plain ring; one without io_uring gets epoll.
fn build_runtime() -> std::io::Result<monoio::FusionRuntime<Uring, Legacy>> {
    let mut tuned = io_uring::IoUring::builder();
    tuned.setup_coop_taskrun().setup_single_issuer();
    monoio::RuntimeBuilder::<monoio::FusionDriver>::new()
        .uring_builder(tuned)
        .enable_timer()
        .build()
        .or_else(|_| {
            monoio::RuntimeBuilder::<monoio::FusionDriver>::new()
                .enable_timer()
                .build()
        })
}

/// The drivers `build_runtime` chooses between.
type Uring = monoio::time::TimeDriver<monoio::IoUringDriver>;
/// See [`Uring`].
type Legacy = monoio::time::TimeDriver<monoio::LegacyDriver>;

async fn worker_main(
    server: Arc<Server>,
    addrs: Vec<SocketAddr>,
    unix: Option<StdUnixListener>,
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
    let unix = match unix.map(UnixListener::from_std).transpose() {
        Ok(u) => u,
        Err(e) => {
            let _ = ready.send(Err(format!("Failed opening Unix socket: {e}")));
            return;
        }
    };
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
        accepting.push(monoio::spawn(accept_tcp(server.clone(), listener)));
    }
    if let Some(listener) = unix {
        accepting.push(monoio::spawn(accept_unix(server.clone(), listener)));
    }
    for task in accepting {
        task.await;
    }
}

/// Ready once a shutdown was requested (from any thread).
async fn shutdown(server: &Server) {
    poll_fn(|cx| server.poll_shutdown(cx)).await;
}

async fn accept_tcp(server: Arc<Server>, listener: TcpListener) {
    let laddr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let keepalive = startup::keepalive(&server.config());
    loop {
        let accepted = monoio::select! {
            a = listener.accept() => a,
            () = shutdown(&server) => return,
        };
        let (mut socket, addr) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                monoio::time::sleep(startup::accept_failed(&server, &e, now_us())).await;
                continue;
            }
        };
        let _ = socket.set_nodelay(true);
        if let Some((time, every, retries)) = keepalive {
            let _ = socket.set_tcp_keepalive(Some(time), Some(every), Some(retries));
        }
        match startup::accept(&server, addr, &laddr, now_us()) {
            Ok(conn) => {
                monoio::spawn(serve_connection(conn, socket));
            }
            Err(reply) => {
                let _ = socket.write_all(reply.to_vec()).await;
            }
        }
    }
}

async fn accept_unix(server: Arc<Server>, listener: UnixListener) {
    let path = server.config().unixsocket.clone();
    loop {
        let accepted = monoio::select! {
            a = listener.accept() => a,
            () = shutdown(&server) => return,
        };
        let mut socket = match accepted {
            Ok((socket, _)) => socket,
            Err(e) => {
                monoio::time::sleep(startup::accept_failed(&server, &e, now_us())).await;
                continue;
            }
        };
        match startup::accept_unix(&server, &path, now_us()) {
            Ok(conn) => {
                monoio::spawn(serve_connection(conn, socket));
            }
            Err(reply) => {
                let _ = socket.write_all(reply.to_vec()).await;
            }
        }
    }
}

/// One client until either side closes. monoio's reads own their buffer, so a read is never
/// cancelled while the connection lives (that could drop bytes already read): reading,
/// writing, the connection's timer and events from other clients run as four futures of one
/// task, woken through `task`. A client that does not read its replies keeps being read, and the engine closes it
/// at its output limit.
async fn serve_connection<S>(conn: Connection, socket: S)
where
    S: Split + AsyncReadRent + AsyncWriteRent,
{
    let (mut rd, mut wr) = socket.into_split();
    let conn = RefCell::new(conn);
    let task: Cell<Option<Waker>> = Cell::new(None);
    let reads = Cell::new(0u64);
    let wake = || {
        if let Some(w) = task.take() {
            w.wake();
        }
    };
    let conn = &conn;

    // Returns true at end of input, false when the connection is closing.
    let reader = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            monoio::select! {
                (res, back) = rd.read(buf) => {
                    buf = back;
                    match res {
                        Ok(0) | Err(_) => return true,
                        Ok(n) => {
                            conn.borrow_mut().receive(&buf[..n], now_us());
                            reads.set(reads.get() + 1);
                            wake();
                        }
                    }
                }
                // Closing (QUIT, CLIENT KILL, SHUTDOWN, a limit): a read cut short loses
                // nothing anyone will use.
                () = poll_fn(|cx| {
                    let c = conn.borrow();
                    if c.should_close() {
                        Poll::Ready(())
                    } else {
                        c.set_waker(cx.waker());
                        Poll::Pending
                    }
                }) => return false,
            }
        }
    };
    // Events from other clients: a blocked command served or unblocked (its reply and the
    // requests queued behind it are then in the output), CLIENT KILL, SHUTDOWN.
    let events = async {
        loop {
            poll_fn(|cx| conn.borrow_mut().poll_ready(cx, now_us())).await;
            if conn.borrow().should_close() {
                // The reader and writer take it from here.
                std::future::pending::<()>().await;
            }
            wake();
        }
    };
    let writer = async {
        let mut out: Vec<u8> = Vec::with_capacity(16 * 1024);
        loop {
            poll_fn(|cx| {
                let c = conn.borrow();
                if !c.output().is_empty() || c.should_close() {
                    Poll::Ready(())
                } else {
                    task.set(Some(cx.waker().clone()));
                    Poll::Pending
                }
            })
            .await;
            {
                let mut c = conn.borrow_mut();
                if c.abandoned() {
                    return;
                }
                c.take_output(&mut out);
                if out.is_empty() {
                    return; // closing, and nothing left to send
                }
            }
            let (res, back) = wr.write_all(out).await;
            out = back;
            out.clear();
            if res.is_err() {
                return;
            }
            conn.borrow_mut().output_written();
        }
    };
    // DEBUG SLEEP's end and the idle timeout; re-planned after every read.
    let timer = async {
        loop {
            let seen = reads.get();
            let read_since = poll_fn(|cx| {
                if reads.get() != seen {
                    Poll::Ready(())
                } else {
                    task.set(Some(cx.waker().clone()));
                    Poll::Pending
                }
            });
            // No borrow may live across an await: the other futures borrow too.
            let deadline = conn.borrow().poll_timeout();
            match deadline {
                Some(deadline) => {
                    let wait = Duration::from_micros(deadline.saturating_sub(now_us()));
                    monoio::select! {
                        () = monoio::time::sleep(wait) => {
                            conn.borrow_mut().handle_timeout(now_us());
                            wake();
                        }
                        () = read_since => {}
                    }
                }
                None => read_since.await,
            }
        }
    };
    let mut writer = pin!(writer);
    let end_of_input = monoio::select! {
        eof = reader => eof,
        () = &mut writer => return,
        () = timer => return,
        () = events => return,
    };
    if end_of_input {
        return;
    }
    // Closing after the replies it owes (QUIT, protocol error, SHUTDOWN), unless abandoned.
    let abandoned = poll_fn(|cx| {
        let c = conn.borrow();
        if c.abandoned() {
            Poll::Ready(())
        } else {
            c.set_waker(cx.waker());
            Poll::Pending
        }
    });
    monoio::select! {
        () = &mut writer => {}
        () = abandoned => {}
    }
}
