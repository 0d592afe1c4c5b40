//! A TCP proxy between the server and PostgreSQL that a test can switch off (every open
//! connection is reset and the port refuses new ones, as when the database host goes away)
//! or freeze (connections stay open and nothing passes either way, as when the database or
//! the network between goes silent).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct TcpProxy {
    addr: SocketAddr,
    upstream: String,
    tasks: Arc<Mutex<Tasks>>,
    frozen: watch::Sender<bool>,
}

#[derive(Default)]
struct Tasks {
    accept: Option<JoinHandle<()>>,
    connections: Vec<JoinHandle<()>>,
}

impl TcpProxy {
    /// Listens on a loopback port and forwards to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = TcpProxy {
            addr: listener.local_addr().unwrap(),
            upstream: upstream.to_string(),
            tasks: Arc::default(),
            frozen: watch::channel(false).0,
        };
        proxy.serve(listener);
        proxy
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn serve(&self, listener: TcpListener) {
        let upstream = self.upstream.clone();
        let tasks = self.tasks.clone();
        let frozen = self.frozen.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let frozen = frozen.subscribe();
                let conn = tokio::spawn(async move {
                    // Zero linger: dropping the socket sends a reset, not a polite FIN.
                    let _ = client.set_zero_linger();
                    let Ok(server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let _ = server.set_zero_linger();
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    tokio::join!(
                        forward(client_read, server_write, frozen.clone()),
                        forward(server_read, client_write, frozen),
                    );
                });
                let mut t = tasks.lock().unwrap();
                t.connections.retain(|c| !c.is_finished());
                t.connections.push(conn);
            }
        });
        self.tasks.lock().unwrap().accept = Some(accept);
    }

    /// Resets every connection and closes the port (new connections are refused).
    pub async fn down(&self) {
        let (accept, connections) = {
            let mut t = self.tasks.lock().unwrap();
            (t.accept.take(), std::mem::take(&mut t.connections))
        };
        for task in accept.into_iter().chain(connections) {
            task.abort();
            let _ = task.await;
        }
    }

    /// Stops every byte, both ways, on open and new connections, until [`TcpProxy::thaw`].
    pub fn freeze(&self) {
        self.frozen.send_replace(true);
    }

    /// Lets the bytes held since [`TcpProxy::freeze`] and later ones pass again.
    pub fn thaw(&self) {
        self.frozen.send_replace(false);
    }

    /// Opens the port again.
    pub async fn up(&self) {
        for _ in 0..50 {
            if let Ok(listener) = TcpListener::bind(self.addr).await {
                self.serve(listener);
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("cannot listen on {} again", self.addr);
    }
}

/// Copies one direction of a connection; while frozen, what was read is held back.
async fn forward(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    mut frozen: watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if frozen.wait_for(|f| !*f).await.is_err() || to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
