//! A small SMTP server on loopback, so tests see what the app really sends over the wire.
//! It speaks just enough plain SMTP for lettre (no TLS, no AUTH), keeps every message it
//! accepts, and can be stopped and started again on the same port to play a server outage,
//! or told to refuse recipients with a reply code of the test's choosing.
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};

/// One accepted message: the SMTP envelope and the message exactly as transmitted (after
/// dot-stuffing is undone).
#[derive(Clone, Debug)]
pub struct ReceivedMessage {
    pub envelope_from: String,
    pub envelope_to: Vec<String>,
    pub raw: Vec<u8>,
}

impl ReceivedMessage {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("the sink received a parseable email")
    }
}

/// Every message accepted so far. A watch channel, so tests can wait for new arrivals.
type Inbox = Arc<watch::Sender<Vec<ReceivedMessage>>>;

/// What the server does with its conversations, shared with each of them.
#[derive(Clone, Default)]
struct Behaviour {
    /// The reply to every `RCPT TO` instead of 250, e.g. "451 4.3.0 Try again later".
    refusal: Arc<std::sync::Mutex<Option<&'static str>>>,
    /// Connections accepted so far.
    connections: Arc<std::sync::atomic::AtomicUsize>,
}

pub struct SmtpSink {
    port: u16,
    inbox: Inbox,
    behaviour: Behaviour,
    stop_signal: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl SmtpSink {
    /// Starts a sink on a free port.
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    /// Starts a sink on a port below the kernel's ephemeral range (32768 and up), so that while
    /// it is stopped no other test's outgoing connection or port-0 listener can take the port
    /// and `start_on` gets it back.
    pub async fn start_restartable() -> Self {
        static NEXT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);
        let offset = (std::process::id() % 4_000) as u16;
        loop {
            let step = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let port = 24_000 + (offset + step) % 8_000;
            if let Ok(listener) = try_bind_loopback(port) {
                return Self::serving(listener, Duration::ZERO);
            }
        }
    }

    /// Starts a sink on this port: used to bring a stopped server back where the app expects it.
    pub async fn start_on(port: u16) -> Self {
        Self::start_with(port, Duration::ZERO).await
    }

    /// Starts a sink on a free port that takes `delay` to accept each message, like a slow
    /// mail server.
    pub async fn start_slow(delay: Duration) -> Self {
        Self::start_with(0, delay).await
    }

    async fn start_with(port: u16, delay: Duration) -> Self {
        let listener =
            try_bind_loopback(port).unwrap_or_else(|e| panic!("cannot bind 127.0.0.1:{port}: {e}"));
        Self::serving(listener, delay)
    }

    fn serving(listener: TcpListener, delay: Duration) -> Self {
        let port = listener.local_addr().expect("bound address").port();
        let inbox: Inbox = Arc::new(watch::channel(Vec::new()).0);
        let behaviour = Behaviour::default();
        let (stop_signal, stopped) = oneshot::channel();
        let conversation = Conversation {
            inbox: inbox.clone(),
            behaviour: behaviour.clone(),
            delay,
        };
        let server = tokio::spawn(serve(listener, conversation, stopped));
        Self {
            port,
            inbox,
            behaviour,
            stop_signal: Some(stop_signal),
            server: Some(server),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// From now on every recipient is refused with `reply` (a full line without CRLF, e.g.
    /// "550 5.1.1 No such mailbox"), or accepted again with `None`.
    pub fn refuse_recipients(&self, reply: Option<&'static str>) {
        *self.behaviour.refusal.lock().expect("refusal lock") = reply;
    }

    /// How many connections the sink has accepted.
    pub fn connections(&self) -> usize {
        self.behaviour
            .connections
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn messages(&self) -> Vec<ReceivedMessage> {
        self.inbox.borrow().clone()
    }

    /// Waits until at least `count` messages have arrived and returns them all; panics after
    /// `timeout`, saying how many did arrive.
    pub async fn wait_for_messages(&self, count: usize, timeout: Duration) -> Vec<ReceivedMessage> {
        let mut arrivals = self.inbox.subscribe();
        let arrived = tokio::time::timeout(timeout, arrivals.wait_for(|m| m.len() >= count)).await;
        if let Ok(Ok(messages)) = arrived {
            return messages.clone();
        }
        panic!(
            "expected {count} message(s) within {timeout:?}, got {}",
            self.messages().len()
        );
    }

    /// Closes the listener and every open connection, and returns once they are closed, so
    /// the next connection attempt is refused.
    pub async fn stop(&mut self) {
        if let Some(stop_signal) = self.stop_signal.take() {
            let _ = stop_signal.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("the SMTP sink shuts down cleanly");
        }
    }
}

fn try_bind_loopback(port: u16) -> io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    // A restarted sink must get its old port back even while old connections are in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    socket.listen(64)
}

/// What every conversation shares: where messages go, how to behave, how slow to be.
#[derive(Clone)]
struct Conversation {
    inbox: Inbox,
    behaviour: Behaviour,
    delay: Duration,
}

/// Accepts connections until told to stop (or until the sink is dropped), then closes the
/// listener and aborts every conversation still open.
async fn serve(
    listener: TcpListener,
    conversation: Conversation,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut conversations = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => {
                // A client that gives up before we accept it is no reason to stop serving.
                if let Ok((stream, _)) = accepted {
                    conversation
                        .behaviour
                        .connections
                        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    conversations.spawn(converse(stream, conversation.clone()));
                }
            }
            Some(_) = conversations.join_next(), if !conversations.is_empty() => {}
        }
    }
    drop(listener);
    conversations.shutdown().await;
}

/// What the server does after reading one command line.
enum Step {
    Reply(&'static str),
    /// The test's refusal, without its line ending.
    Refuse(&'static str),
    ReadMessage,
    Quit,
}

/// The envelope of the message being built in this conversation.
#[derive(Default)]
struct Envelope {
    from: Option<String>,
    to: Vec<String>,
}

async fn converse(stream: TcpStream, conversation: Conversation) -> io::Result<()> {
    let Conversation {
        inbox,
        behaviour,
        delay,
    } = conversation;
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    writer
        .write_all(b"220 sink.test ESMTP test sink\r\n")
        .await?;
    let mut envelope = Envelope::default();
    // Loops over commands, so one connection carries several messages (lettre pools them).
    while let Some(line) = read_command(&mut reader).await? {
        let refusal = *behaviour.refusal.lock().expect("refusal lock");
        match next_step(&line, &mut envelope, refusal) {
            Step::Reply(reply) => writer.write_all(reply.as_bytes()).await?,
            Step::Refuse(reply) => writer.write_all(format!("{reply}\r\n").as_bytes()).await?,
            Step::ReadMessage => {
                writer
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let raw = read_message(&mut reader).await?;
                tokio::time::sleep(delay).await;
                let envelope = std::mem::take(&mut envelope);
                inbox.send_modify(|messages| {
                    messages.push(ReceivedMessage {
                        envelope_from: envelope.from.unwrap_or_default(),
                        envelope_to: envelope.to,
                        raw,
                    })
                });
                writer.write_all(b"250 OK: queued\r\n").await?;
            }
            Step::Quit => {
                writer.write_all(b"221 Bye\r\n").await?;
                break;
            }
        }
    }
    writer.shutdown().await
}

fn next_step(line: &str, envelope: &mut Envelope, refusal: Option<&'static str>) -> Step {
    let verb = line.split_whitespace().next().unwrap_or("");
    match verb.to_ascii_uppercase().as_str() {
        "EHLO" => {
            *envelope = Envelope::default();
            // Deliberately no STARTTLS or AUTH: the app must work with a plain relay.
            Step::Reply("250-sink.test greets you\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n")
        }
        "HELO" => {
            *envelope = Envelope::default();
            Step::Reply("250 sink.test\r\n")
        }
        "MAIL" => match bracketed_address(line) {
            Some(from) => {
                *envelope = Envelope {
                    from: Some(from),
                    to: Vec::new(),
                };
                Step::Reply("250 OK\r\n")
            }
            None => Step::Reply("501 Syntax: MAIL FROM:<address>\r\n"),
        },
        "RCPT" if envelope.from.is_none() => Step::Reply("503 MAIL first\r\n"),
        "RCPT" => match (refusal, bracketed_address(line)) {
            (Some(reply), _) => Step::Refuse(reply),
            (None, Some(to)) => {
                envelope.to.push(to);
                Step::Reply("250 OK\r\n")
            }
            (None, None) => Step::Reply("501 Syntax: RCPT TO:<address>\r\n"),
        },
        "DATA" if envelope.to.is_empty() => Step::Reply("503 RCPT first\r\n"),
        "DATA" => Step::ReadMessage,
        "RSET" => {
            *envelope = Envelope::default();
            Step::Reply("250 OK\r\n")
        }
        "NOOP" => Step::Reply("250 OK\r\n"),
        "QUIT" => Step::Quit,
        _ => Step::Reply("502 Command not implemented\r\n"),
    }
}

/// The address in `MAIL FROM:<a@b> PARAMS` or `RCPT TO:<a@b>`; `<>` gives an empty one.
fn bracketed_address(line: &str) -> Option<String> {
    let (_, argument) = line.split_once(':')?;
    let start = argument.find('<')? + 1;
    let end = start + argument[start..].find('>')?;
    Some(argument[start..end].to_string())
}

/// One command without its line ending, or None when the client has hung up.
async fn read_command(reader: &mut (impl AsyncBufReadExt + Unpin)) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    if reader.read_until(b'\n', &mut line).await? == 0 {
        return Ok(None);
    }
    let line = String::from_utf8_lossy(&line);
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_string()))
}

/// The message after DATA, up to the lone "." line, with dot-stuffing undone.
async fn read_message(reader: &mut (impl AsyncBufReadExt + Unpin)) -> io::Result<Vec<u8>> {
    let mut message = Vec::new();
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok(message);
        }
        // The client doubled every leading dot so no line of the message could end it early
        // (RFC 5321 4.5.2); the receiver drops the first one.
        message.extend_from_slice(line.strip_prefix(b".").unwrap_or(&line));
    }
}
