//! The given part of lesson 08's `Session` (its fields, `new`, `connects`, `exchange`), as a
//! macro: a mistake module that greets differently calls `given_session!()` and adds its own
//! `greet_once` and `greet` to the `Session` it declares.

/// Declares `Session`, with the exercise's given fields and methods, in the calling module.
#[macro_export]
macro_rules! given_session {
    () => {
        /// A long-lived connection to one host, as in the exercise.
        #[derive(Debug)]
        pub struct Session {
            addr: std::net::SocketAddr,
            timeout: std::time::Duration,
            conn: Option<tokio::net::TcpStream>,
            connects: u32,
        }

        impl Session {
            /// As given: a session to `addr` whose greets give up after `timeout`.
            pub fn new(addr: std::net::SocketAddr, timeout: std::time::Duration) -> Session {
                Session {
                    addr,
                    timeout,
                    conn: None,
                    connects: 0,
                }
            }

            /// As given: how many connections this session has opened so far.
            pub fn connects(&self) -> u32 {
                self.connects
            }

            /// As given: one greet on the open connection, opening one first if there is none.
            async fn exchange(&mut self) -> Result<greet_core::Reply, greet_core::GreetError> {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                if self.conn.is_none() {
                    let stream = tokio::net::TcpStream::connect(self.addr).await?;
                    stream.set_nodelay(true)?;
                    self.connects += 1;
                    self.conn = Some(stream);
                }
                let Some(stream) = self.conn.as_mut() else {
                    return Err(greet_core::GreetError::Closed);
                };
                stream.write_all(greet_core::protocol::GREETING).await?;
                let mut reader = greet_core::protocol::ReplyReader::new();
                let mut buf = [0u8; 64];
                loop {
                    let n = stream.read(&mut buf).await?;
                    if let Some(reply) = reader.push(&buf[..n])? {
                        return Ok(reply);
                    }
                }
            }
        }
    };
}
