//! The bare greet: connect, send `Hello, world`, read until the reply's newline, with a
//! timeout. Blocking ([`blocking`]) and on tokio ([`on_tokio`]). `true` when a reply line came.
//!
//! Only what the task itself needs: the timeout (every wait has one), `TCP_NODELAY` (as every
//! model sets), and reading to the newline (TCP may split the line). Nothing is stamped,
//! checked or counted beyond the line's arrival.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use greet_core::protocol::GREETING;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One greet on the calling thread.
pub fn blocking(addr: SocketAddr, timeout: Duration) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, timeout) else {
        return false;
    };
    let (mut buf, mut n) = ([0u8; 64], 0);
    if stream.set_nodelay(true).is_err()
        || stream.set_read_timeout(Some(timeout)).is_err()
        || stream.write_all(GREETING).is_err()
    {
        return false;
    }
    // Bounded: each read adds at least one byte to a 64-byte buffer.
    while n < buf.len() {
        match stream.read(&mut buf[n..]) {
            Ok(0) | Err(_) => return false,
            Ok(got) => n += got,
        }
        if buf[..n].contains(&b'\n') {
            return true;
        }
    }
    false
}

/// One greet as a tokio task.
pub async fn on_tokio(addr: SocketAddr, timeout: Duration) -> bool {
    let greet = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        stream.write_all(GREETING).await?;
        let (mut buf, mut n) = ([0u8; 64], 0);
        while n < buf.len() {
            match stream.read(&mut buf[n..]).await? {
                0 => break,
                got => n += got,
            }
            if buf[..n].contains(&b'\n') {
                return Ok(true);
            }
        }
        Ok::<_, std::io::Error>(false)
    };
    matches!(tokio::time::timeout(timeout, greet).await, Ok(Ok(true)))
}
