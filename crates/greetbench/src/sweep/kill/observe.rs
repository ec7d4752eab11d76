//! What the kernel shows of the kill probe's experiments: a process's threads
//! (`/proc/<pid>/task`), the system call each sits in (`.../syscall`) and the socket behind
//! its file descriptor, and the host's end of each TCP connection (`/proc/net/tcp`). So
//! "blocked" means *in a receive call on the socket connected to the host*, and "the host saw
//! the close" means its end left `ESTABLISHED`.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;

/// `tcp_states.h`: the connection is open.
pub(super) const ESTABLISHED: u8 = 0x01;
/// `tcp_states.h`: a listening socket.
pub(super) const LISTEN: u8 = 0x0A;

/// The calling thread's id, from `/proc/thread-self` (a link to `<pid>/task/<tid>`).
pub(super) fn current_tid() -> Option<u32> {
    std::fs::read_link("/proc/thread-self")
        .ok()?
        .file_name()?
        .to_str()?
        .parse()
        .ok()
}

pub(super) fn proc_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

pub(super) fn task_exists(pid: u32, tid: u32) -> bool {
    Path::new(&format!("/proc/{pid}/task/{tid}")).exists()
}

/// The ids of process `pid`'s threads.
pub(super) fn tasks(pid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect()
}

/// The socket thread `tid` of `pid` is blocked reading from, as its inode: the thread sits in
/// a receive system call (read, recvfrom, recvmsg) on a file descriptor that is a socket.
/// `None` if it is not (running, in another call, or the kernel does not say).
pub(super) fn blocked_on(pid: u32, tid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/syscall")).ok()?;
    // "<number> <first argument> ... <sp> <pc>", arguments in hex; or "running", or -1
    // outside a system call. A receive call's first argument is the file descriptor.
    let mut fields = text.split_whitespace();
    let number: libc::c_long = fields.next()?.parse().ok()?;
    if ![libc::SYS_read, libc::SYS_recvfrom, libc::SYS_recvmsg].contains(&number) {
        return None;
    }
    let fd = u64::from_str_radix(fields.next()?.trim_start_matches("0x"), 16).ok()?;
    socket_inode(Path::new(&format!("/proc/{pid}/fd/{fd}")))
}

/// The inode of the socket a `/proc/<pid>/fd/<n>` link points to (`socket:[inode]`).
pub(super) fn socket_inode(fd_link: &Path) -> Option<u64> {
    let link = std::fs::read_link(fd_link).ok()?;
    link.to_str()?
        .strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
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
        None => tasks(pid),
    }
    .into_iter()
    .filter_map(|tid| Some((tid, blocked_on(pid, tid)?)))
    .collect();
    if on.is_empty() {
        return Vec::new(); // spare the look at every socket
    }
    let rows = tcp_rows();
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
    let rows = tcp_rows();
    let reading = rows.iter().any(|r| {
        r.inode == inode && r.local == client && r.remote == host && r.state == ESTABLISHED
    });
    reading && host_end_in(&rows, host, client) == HostEnd::Open
}

/// One line of `/proc/net/tcp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TcpRow {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub state: u8,
    pub inode: u64,
}

/// Every IPv4 TCP socket in this network namespace; empty if unreadable.
pub(super) fn tcp_rows() -> Vec<TcpRow> {
    let Ok(text) = std::fs::read_to_string("/proc/net/tcp") else {
        return Vec::new();
    };
    text.lines().skip(1).filter_map(parse_tcp_row).collect()
}

/// `sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...`, addresses in hex.
pub(super) fn parse_tcp_row(line: &str) -> Option<TcpRow> {
    let mut fields = line.split_whitespace();
    let _slot = fields.next()?;
    let local = parse_hex_addr(fields.next()?)?;
    let remote = parse_hex_addr(fields.next()?)?;
    let state = u8::from_str_radix(fields.next()?, 16).ok()?;
    let inode = fields.nth(5)?.parse().ok()?;
    Some(TcpRow {
        local,
        remote,
        state,
        inode,
    })
}

/// `0100007F:1F90`: the address as the kernel's 32-bit word (in this machine's byte order),
/// then the port.
pub(super) fn parse_hex_addr(s: &str) -> Option<SocketAddr> {
    let (ip, port) = s.split_once(':')?;
    let ip = u32::from_str_radix(ip, 16).ok()?;
    let port = u16::from_str_radix(port, 16).ok()?;
    Some(SocketAddr::from((Ipv4Addr::from(ip.to_ne_bytes()), port)))
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
    host_end_in(&tcp_rows(), host, client)
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
    fn a_proc_net_tcp_line_parses() {
        let line = "   1: 0100007F:DD82 0100007F:B2E5 08 00000000:00000000 03:000013A8 00000000  1000        0 4242 3 000000000cdd6bd3";
        let row = parse_tcp_row(line).expect("parses");
        if cfg!(target_endian = "little") {
            assert_eq!(row.local, "127.0.0.1:56706".parse().unwrap());
            assert_eq!(row.remote, "127.0.0.1:45797".parse().unwrap());
        }
        assert_eq!(row.state, 0x08);
        assert_eq!(row.inode, 4242);
    }

    #[test]
    fn a_thread_blocked_on_a_read_is_seen_on_its_socket_and_one_on_a_channel_is_not() {
        use std::os::fd::AsRawFd;
        let pid = std::process::id();
        let (mut ours, theirs) = std::os::unix::net::UnixStream::pair().expect("a socket pair");
        let inode = socket_inode(Path::new(&format!("/proc/self/fd/{}", theirs.as_raw_fd())))
            .expect("a socket's inode");
        let (reader_tx, reader_rx) = mpsc::channel();
        let (waiter_tx, waiter_rx) = mpsc::channel();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let reader = thread::spawn(move || {
            let _ = reader_tx.send(current_tid());
            let mut theirs = theirs;
            let mut byte = [0u8; 1];
            theirs.read(&mut byte).map(|_| ())
        });
        let waiter = thread::spawn(move || {
            let _ = waiter_tx.send(current_tid());
            go_rx.recv_timeout(SETTLE).map_err(|_| ())
        });
        let id = |rx: mpsc::Receiver<Option<u32>>| rx.recv_timeout(SETTLE).ok().flatten();
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
            (!task_exists(pid, reader_tid) && !task_exists(pid, waiter_tid)).then_some(())
        });
        assert!(gone.is_some(), "ended threads leave /proc/self/task");
    }
}
