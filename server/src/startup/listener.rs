//! The port drivers connect to, and how their connections are taken.
//!
//! **A deep queue for a crowd.** The kernel holds connections that have arrived but that the
//! server has not yet accepted in a queue of the length the listener asks for (capped by
//! `net.core.somaxconn`, 4,096 on current kernels). When it is full, the kernel drops what comes
//! next, and the phone sends it again only after a second (then two, then four). tokio asks for
//! 1,024. A crowd opening the app at once (a broadcast of new loads, a deploy moving everyone)
//! outruns that while the server is busy answering: while 20,000 simulated drivers signed in at
//! once, the kernel dropped 376 of their connections, each then a second late. The listener asks
//! for [`WAITING_CONNECTIONS`].
//!
//! **A descriptor for each.** Every connection is an open file. Service managers start a process
//! allowed 1,024 by default (systemd's soft limit; the hard limit is far higher): past it,
//! accepting fails and the server pauses a second before it tries again, with everyone else
//! waiting behind. At start the process raises its own limit to the hard one, as Go's runtime does
//! for every program ([`allow_every_open_file`]).
//!
//! What the open files leave for connections is the most the instance takes at once
//! ([`connections_room`]; `connections.rs` keeps to it).

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpSocket};

/// How many arrived connections may wait to be accepted (the kernel caps it at
/// `net.core.somaxconn`).
pub(super) const WAITING_CONNECTIONS: u32 = 8192;

/// The open files a service manager allows when the process cannot raise its limit (systemd's
/// soft limit).
pub(super) const SYSTEMD_OPEN_FILES: u64 = 1024;

/// Open files kept for everything but the drivers' connections: the database's and Redis's
/// connections, the exchange's, the bot's, files being read, the logs. An instance on SQLite
/// holds about 30 besides its connections, PostgreSQL's pool adds ten and Redis two or three.
/// One run of 20,000 simulated drivers with 128 kept, on a machine allowing 20,000 open files,
/// had a first minute far worse than the runs with 512 (lists' p95 11 s, an 813 MB peak); the
/// cause was not found, so the wider margin stays.
const FILES_KEPT: u64 = 512;

/// How many connections `open_files` leave room for, with [`FILES_KEPT`] kept for the rest (and
/// at least a few whatever the limit).
pub(super) fn connections_room(open_files: u64) -> usize {
    usize::try_from(open_files.saturating_sub(FILES_KEPT).max(64)).unwrap_or(usize::MAX)
}

/// Binds `addr` (port 0 picks a free port) with room for [`WAITING_CONNECTIONS`].
pub(super) fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As tokio's own `bind` does: a restarted instance can take the port back at once.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(WAITING_CONNECTIONS)
}

/// Raises the process's soft limit of open files to its hard limit; says what it is now.
pub(super) fn allow_every_open_file() -> std::io::Result<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `getrlimit` writes the limit into the struct it is given, which lives on the stack.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: `setrlimit` reads the struct it is given; raising the soft limit up to the hard
        // one needs no privilege.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        limit = raised;
    }
    Ok(limit.rlim_cur)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::net::TcpStream;

    #[test]
    fn the_open_files_beyond_those_kept_are_the_connections_room() {
        assert_eq!(super::connections_room(20_000), 19_488);
        assert_eq!(super::connections_room(1_024), 512);
        assert_eq!(super::connections_room(100), 64);
    }

    /// A crowd larger than tokio's default queue (1,024) connects while the server accepts no one:
    /// every connection is made at once; none is dropped by the kernel to be tried again a second
    /// later. Then the server takes them all.
    #[tokio::test]
    async fn a_crowd_connecting_while_the_server_is_busy_waits_in_the_queue() {
        let crowd: usize = 2_000;
        let open_files = super::allow_every_open_file().unwrap();
        assert!(
            open_files > crowd as u64 + 256,
            "this machine allows {open_files} open files, fewer than the crowd needs"
        );
        let listener = super::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let address = listener.local_addr().unwrap();
        let connecting =
            futures_util::future::join_all((0..crowd).map(|_| TcpStream::connect(address)));
        // A connection the kernel dropped is sent again after a second at the earliest.
        let connected = tokio::time::timeout(Duration::from_millis(900), connecting)
            .await
            .expect("every connection made without the kernel dropping one");
        assert!(connected.iter().all(Result::is_ok));
        for _ in 0..crowd {
            listener.accept().await.unwrap();
        }
    }
}
