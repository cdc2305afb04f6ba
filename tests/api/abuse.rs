//! Abusive clients do not starve others: connections that send half a request head and stall
//! (slowloris), bodies that trickle in, bodies declared far too large, and compressed bodies
//! (a zip bomb is never inflated). Raw sockets play the abusers; a normal client must still
//! get its page while they are connected.
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;

use crate::helpers::{TestApp, assert_redirect, spawn_app, spawn_demo_app};

/// Far above the server's own deadlines (5 s for a request head, 5 s plus size for a body):
/// only "the connection is let go", never how fast, is asserted.
const GENEROUS: Duration = Duration::from_secs(30);
const SLOW_HEADER_CLIENTS: usize = 200;
const SLOW_BODY_CLIENTS: usize = 20;
/// A gigabyte, declared but never sent.
const HUGE: u64 = 1 << 30;

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(("127.0.0.1", app.port))
        .await
        .expect("connects")
}

/// What the server sends before it closes the connection or completes a response head;
/// `None` when it still holds the connection open after `GENEROUS`.
async fn answer_or_close(stream: &mut (impl AsyncReadExt + Unpin)) -> Option<String> {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(GENEROUS, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buffer[..n]);
                    if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&answer).into_owned())
}

/// A POST of a sign-in form whose body of `length` bytes is still to come.
fn form_head(length: u64, extra: &str) -> String {
    format!(
        "POST /signin HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n{extra}Content-Length: {length}\r\n\r\n"
    )
}

/// Sends one byte of body every half second until the server stops reading.
fn trickle(mut writer: OwnedWriteHalf) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if writer.write_all(b"a").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    })
}

async fn sign_in_page_loads(app: &TestApp) {
    let response = app.get("/").await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.text().await.unwrap().contains("Reference number"));
}

#[tokio::test]
async fn clients_that_send_half_a_request_and_stall_do_not_keep_others_out() {
    let app = spawn_app().await;
    let mut stalled = Vec::new();
    for _ in 0..SLOW_HEADER_CLIENTS {
        let mut stream = connect(&app).await;
        stream.write_all(b"GET /account HT").await.unwrap();
        stalled.push(stream);
    }

    sign_in_page_loads(&app).await;

    let answer = answer_or_close(&mut stalled[0]).await;
    let text = answer.expect("a stalled client was still connected after 30 s");
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "answered {text}"
    );
}

#[tokio::test]
async fn bodies_that_trickle_in_are_cut_off_while_others_are_served() {
    let app = spawn_demo_app().await;
    let mut readers = Vec::new();
    let mut tricklers = Vec::new();
    for _ in 0..SLOW_BODY_CLIENTS {
        let mut stream = connect(&app).await;
        // 200 bytes at 2 a second would take 100 seconds.
        stream
            .write_all(form_head(200, "").as_bytes())
            .await
            .unwrap();
        let (reader, writer) = stream.into_split();
        tricklers.push(trickle(writer));
        readers.push(reader);
    }

    sign_in_page_loads(&app).await;
    // A form from a normal client is read and acted on meanwhile.
    assert_redirect(&app.sign_in_alex().await, "/account");

    let answer = answer_or_close(&mut readers[0]).await;
    for trickler in tricklers {
        trickler.abort();
    }
    let text = answer.expect("a trickling client was still connected after 30 s");
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "answered {text}"
    );
}

#[tokio::test]
async fn a_body_declared_too_large_is_refused_before_it_is_sent() {
    let app = spawn_app().await;
    for path in ["/signin", "/webhooks/stripe", "/staff/import"] {
        let mut stream = connect(&app).await;
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\
             Content-Type: application/octet-stream\r\nContent-Length: {HUGE}\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        // Not one byte of the body is sent: the answer must come from the head alone.
        let text = answer_or_close(&mut stream)
            .await
            .expect("no answer within 30 s");
        assert!(text.starts_with("HTTP/1.1 413"), "{path}: answered {text}");
    }
}

#[tokio::test]
async fn a_compressed_body_is_refused_unread() {
    let app = spawn_app().await;
    let mut stream = connect(&app).await;
    // A gzip body claiming a megabyte: refused on its head, so nothing is inflated or read.
    let head = form_head(1 << 20, "Content-Encoding: gzip\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let text = answer_or_close(&mut stream)
        .await
        .expect("no answer within 30 s");
    assert!(text.starts_with("HTTP/1.1 415"), "answered {text}");

    // The same refusal through an ordinary client, with the body sent.
    let token = app.csrf_token().await;
    let deflated = app
        .client
        .post(app.url("/signin"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-encoding", "deflate, identity")
        .body(format!("csrf_token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(deflated.status().as_u16(), 415);
    let plain = app
        .client
        .post(app.url("/signin"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-encoding", "identity")
        .body(format!("csrf_token={token}&reference=NW-0000"))
        .send()
        .await
        .unwrap();
    assert_ne!(plain.status().as_u16(), 415, "identity is no encoding");
}
