//! A loopback TCP proxy between the app and its database, which a test cuts (every connection
//! closed, new ones refused: the database is gone) and restores (the database is back).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

pub struct FaultProxy {
    addr: SocketAddr,
    target: SocketAddr,
    accepting: Mutex<Option<JoinHandle<()>>>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl FaultProxy {
    /// Listens on a free port of 127.0.0.1 and forwards every connection to `target`.
    pub async fn start(target: SocketAddr) -> std::io::Result<Self> {
        let listener = listen("127.0.0.1:0".parse().expect("address"))?;
        let proxy = Self {
            addr: listener.local_addr()?,
            target,
            accepting: Mutex::new(None),
            connections: Arc::new(Mutex::new(Vec::new())),
        };
        proxy.accept(listener);
        Ok(proxy)
    }

    /// Where the app connects instead of the database.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Closes every connection and stops listening, so that new connections are refused.
    /// Returns once the sockets are closed.
    pub async fn cut(&self) {
        // The acceptor first: once it is gone, no connection can be added behind our back.
        let accepting = self.accepting.lock().expect("proxy lock").take();
        if let Some(task) = accepting {
            task.abort();
            let _ = task.await;
        }
        let connections = std::mem::take(&mut *self.connections.lock().expect("proxy lock"));
        for task in connections {
            task.abort();
            let _ = task.await;
        }
    }

    /// Listens again on the same port.
    pub async fn restore(&self) -> std::io::Result<()> {
        let listener = listen(self.addr)?;
        self.accept(listener);
        Ok(())
    }

    fn accept(&self, listener: TcpListener) {
        let (target, connections) = (self.target, Arc::clone(&self.connections));
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let pump = tokio::spawn(forward(inbound, target));
                connections.lock().expect("proxy lock").push(pump);
            }
        });
        *self.accepting.lock().expect("proxy lock") = Some(task);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Ok(Some(task)) = self.accepting.get_mut().map(Option::take) {
            task.abort();
        }
        if let Ok(connections) = self.connections.lock() {
            connections.iter().for_each(JoinHandle::abort);
        }
    }
}

/// A listener that may take over the port of one just closed (whose accepted connections
/// linger in TIME_WAIT).
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(128)
}

async fn forward(mut inbound: TcpStream, target: SocketAddr) {
    if let Ok(mut outbound) = TcpStream::connect(target).await {
        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
    }
}
