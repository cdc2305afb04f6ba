//! A TCP proxy on loopback that a test can cut and restore: the app talks to PostgreSQL
//! through it, so a test can take the database away without touching the shared server.
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct TcpProxy {
    port: u16,
    cut: watch::Sender<bool>,
    server: JoinHandle<()>,
}

impl TcpProxy {
    /// Forwards every connection on a free loopback port to `upstream` ("host:port").
    pub async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy port");
        let port = listener.local_addr().expect("bound address").port();
        let (cut, is_cut) = watch::channel(false);
        let server = tokio::spawn(forward(listener, upstream, is_cut));
        Self { port, cut, server }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Closes every open connection and every new one at once, as if the server were gone.
    pub fn cut(&self) {
        self.cut.send_replace(true);
    }

    /// Lets connections through again.
    pub fn restore(&self) {
        self.cut.send_replace(false);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut.send_replace(true);
        self.server.abort();
    }
}

async fn forward(listener: TcpListener, upstream: String, is_cut: watch::Receiver<bool>) {
    while let Ok((client, _)) = listener.accept().await {
        if *is_cut.borrow() {
            // Dropped: the client sees its connection closed before the server greets it.
            continue;
        }
        tokio::spawn(pipe(client, upstream.clone(), is_cut.clone()));
    }
}

/// Copies both ways until either side closes or the proxy is cut.
async fn pipe(mut client: TcpStream, upstream: String, mut is_cut: watch::Receiver<bool>) {
    let Ok(mut server) = TcpStream::connect(&upstream).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = is_cut.wait_for(|cut| *cut) => {}
    }
}
