//! What the kernel shows of the kill probe's experiments: a process's threads
//! (`/proc/<pid>/task`), the system call each sits in (`.../syscall`) and the socket behind
//! its file descriptor, and the host's end of each TCP connection (`/proc/net/tcp`). So
//! "blocked" means *in a receive call on the socket connected to the host*, and "the host saw
//! the close" means its end left `ESTABLISHED`.

use std::net::SocketAddr;

use greet_os::proc::net::{self, ESTABLISHED, TcpRow};
use greet_os::proc::{self, Who};

/// The socket thread `tid` of `pid` is blocked reading from, as its inode: the thread sits in
/// a receive system call (read, recvfrom, recvmsg) on a file descriptor that is a socket.
/// `None` if it is not (running, in another call, or the kernel does not say).
pub(super) fn blocked_on(pid: u32, tid: u32) -> Option<u64> {
    // A receive call's first argument is the file descriptor.
    let call = proc::syscall(pid, tid)?;
    if ![libc::SYS_read, libc::SYS_recvfrom, libc::SYS_recvmsg].contains(&call.number) {
        return None;
    }
    proc::socket_inode(&proc::fd_link(Who::Pid(pid), call.first_arg)?)
}

/// The threads of `pid` (or only `tid`) blocked reading from an open connection to `host`,
/// each with the connection's client end.
pub(super) fn blocked_threads(
    pid: u32,
    host: SocketAddr,
    only: Option<u32>,
) -> Vec<(u32, SocketAddr)> {
    let on: Vec<(u32, u64)> = match only {
        Some(tid) => vec![tid],
        None => proc::tasks(Who::Pid(pid)),
    }
    .into_iter()
    .filter_map(|tid| Some((tid, blocked_on(pid, tid)?)))
    .collect();
    if on.is_empty() {
        return Vec::new(); // spare the look at every socket
    }
    let rows = net::tcp();
    on.into_iter()
        .filter_map(|(tid, inode)| {
            let r = rows
                .iter()
                .find(|r| r.inode == inode && r.remote == host && r.state == ESTABLISHED)?;
            Some((tid, r.local))
        })
        .collect()
}

/// Whether thread `tid` of `pid` is still blocked reading from the connection `client` →
/// `host`, and the host still has that connection open: one look at the sockets.
pub(super) fn still_blocked(pid: u32, tid: u32, host: SocketAddr, client: SocketAddr) -> bool {
    let Some(inode) = blocked_on(pid, tid) else {
        return false;
    };
    let rows = net::tcp();
    let reading = rows.iter().any(|r| {
        r.inode == inode && r.local == client && r.remote == host && r.state == ESTABLISHED
    });
    reading && host_end_in(&rows, host, client) == HostEnd::Open
}

/// The host's end of one connection, as the kernel has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HostEnd {
    /// `ESTABLISHED`: the client has not closed it.
    Open,
    /// Any other state (`CLOSE_WAIT`: the client's FIN arrived), or gone (a reset).
    Closed,
}

pub(super) fn host_end(host: SocketAddr, client: SocketAddr) -> HostEnd {
    host_end_in(&net::tcp(), host, client)
}

pub(super) fn host_end_in(rows: &[TcpRow], host: SocketAddr, client: SocketAddr) -> HostEnd {
    let open = rows
        .iter()
        .any(|r| r.local == host && r.remote == client && r.state == ESTABLISHED);
    if open { HostEnd::Open } else { HostEnd::Closed }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::sync::mpsc;
    use std::thread;

    use super::super::{POLL, SETTLE, poll};
    use super::*;

    #[test]
    fn a_thread_blocked_on_a_read_is_seen_on_its_socket_and_one_on_a_channel_is_not() {
        use std::os::fd::AsRawFd;
        let pid = std::process::id();
        let (mut ours, theirs) = std::os::unix::net::UnixStream::pair().expect("a socket pair");
        let link = proc::fd_link(Who::Me, theirs.as_raw_fd() as u64).expect("its fd");
        let inode = proc::socket_inode(&link).expect("a socket's inode");
        let (reader_tx, reader_rx) = mpsc::channel();
        let (waiter_tx, waiter_rx) = mpsc::channel();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let reader = thread::spawn(move || {
            let _ = reader_tx.send(greet_os::process::thread_id());
            let mut theirs = theirs;
            let mut byte = [0u8; 1];
            theirs.read(&mut byte).map(|_| ())
        });
        let waiter = thread::spawn(move || {
            let _ = waiter_tx.send(greet_os::process::thread_id());
            go_rx.recv_timeout(SETTLE).map_err(|_| ())
        });
        let id = |rx: mpsc::Receiver<u32>| rx.recv_timeout(SETTLE).ok();
        let (reader_tid, waiter_tid) = (id(reader_rx).expect("tid"), id(waiter_rx).expect("tid"));
        let seen = poll(SETTLE, POLL, || blocked_on(pid, reader_tid));
        assert_eq!(seen, Some(inode), "the reader blocks on its own socket");
        assert_eq!(
            blocked_on(pid, waiter_tid),
            None,
            "a channel is not a socket"
        );
        ours.write_all(b"x").expect("wake the reader");
        go_tx.send(()).expect("wake the waiter");
        reader.join().expect("reader").expect("read");
        waiter.join().expect("waiter").expect("woken");
        let gone = poll(SETTLE, POLL, || {
            (!proc::task_exists(pid, reader_tid) && !proc::task_exists(pid, waiter_tid))
                .then_some(())
        });
        assert!(gone.is_some(), "ended threads leave /proc/self/task");
    }
}
