//! The TCP sockets of this network namespace, as `/proc/net/tcp` lists them: how the kill
//! probe sees the host's end of a connection, and the scale test which process holds a
//! listening socket.

use std::net::{Ipv4Addr, SocketAddr};

/// `tcp_states.h`: the connection is open.
pub const ESTABLISHED: u8 = 0x01;
/// `tcp_states.h`: a listening socket.
pub const LISTEN: u8 = 0x0A;

/// One line of `/proc/net/tcp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpRow {
    /// This end.
    pub local: SocketAddr,
    /// The other end (`0.0.0.0:0` for a listening socket).
    pub remote: SocketAddr,
    /// The state, as `tcp_states.h` numbers it ([`ESTABLISHED`], [`LISTEN`] ...).
    pub state: u8,
    /// The socket's inode: what `/proc/PID/fd/N` links to (`socket:[inode]`).
    pub inode: u64,
}

/// Whether this machine lists its TCP sockets in `/proc/net/tcp` (Linux).
pub fn available() -> bool {
    std::path::Path::new("/proc/net/tcp").is_file()
}

/// Every IPv4 TCP socket in this network namespace; empty if unreadable. The kernel walks its
/// whole connection table to produce the file, so one look can take milliseconds.
pub fn tcp() -> Vec<TcpRow> {
    let Ok(text) = std::fs::read_to_string("/proc/net/tcp") else {
        return Vec::new();
    };
    text.lines().skip(1).filter_map(parse_tcp_row).collect()
}

/// `sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...`, addresses in hex.
pub fn parse_tcp_row(line: &str) -> Option<TcpRow> {
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
fn parse_hex_addr(s: &str) -> Option<SocketAddr> {
    let (ip, port) = s.split_once(':')?;
    let ip = u32::from_str_radix(ip, 16).ok()?;
    let port = u16::from_str_radix(port, 16).ok()?;
    Some(SocketAddr::from((Ipv4Addr::from(ip.to_ne_bytes()), port)))
}

#[cfg(test)]
mod tests {
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
        assert_eq!(parse_tcp_row("  sl  local_address rem_address   st"), None);
    }
}
