//! How the server meets the world at its edges: instances started together on one fresh
//! database, a body too large to take, static files on a kept-alive connection, and the limits
//! on connections (how many, how long idle).

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};

use crate::support::{
    Db, Options, Store, TestApp, built_file, bundle_file, fresh_postgres_database, spawn_app,
    spawn_app_with,
};

/// Two instances rolled out at the same moment on a database nobody has migrated yet: one
/// migrates, the other waits for it, and both serve.
#[tokio::test]
async fn two_instances_started_together_on_a_fresh_database_both_serve() {
    let shared_sqlite = tempfile::tempdir().unwrap();
    let (db, url) = if std::env::var("DATABASE_URL").is_ok() {
        (Db::Postgres, fresh_postgres_database().await)
    } else {
        // Without PostgreSQL the race is between two pools on one SQLite file: real, though the
        // advisory lock that settles it on PostgreSQL is not taken there.
        println!("no DATABASE_URL: two instances started together on one SQLite file instead");
        let path = shared_sqlite.path().join("hauler.sqlite");
        (Db::Sqlite, format!("sqlite://{}?mode=rwc", path.display()))
    };
    let instance = |name: &'static str| {
        spawn_app_with(
            name,
            (db, Store::InProcess),
            Options {
                extra_vars: vec![("DATABASE_URL", url.clone())],
            },
        )
    };
    let (first, second) = tokio::join!(instance("together_first"), instance("together_second"));
    for app in [&first, &second] {
        let response = app.get("/readyz").await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["checks"]["database"]["state"], "up", "{body}");
    }
}

/// A body over the 2 MB every route takes is refused as too large, not as unreadable.
#[tokio::test]
async fn a_three_megabyte_body_is_refused_as_too_large() {
    let app = spawn_app("body_too_large", (Db::Sqlite, Store::InProcess)).await;
    let init_data = "a".repeat(3 * 1024 * 1024);
    let (status, body) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/telegram",
            Some(serde_json::json!({ "init_data": init_data })),
        )
        .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["code"], "body_too_large");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
}

/// A body that does not say its length up front (chunked) meets the same limit as it arrives.
#[tokio::test]
async fn a_chunked_body_over_the_limit_is_refused_as_too_large() {
    let app = spawn_app("chunked_body_too_large", (Db::Sqlite, Store::InProcess)).await;
    let mut connection = connect(&app).await;
    let head = format!(
        "POST /api/v1/auth/telegram HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\n\r\n",
        host(&app)
    );
    connection.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..48 {
        // The server may answer and stop reading before the whole body is sent.
        let sent = async {
            connection
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            connection.write_all(&chunk).await?;
            connection.write_all(b"\r\n").await
        };
        if sent.await.is_err() {
            break;
        }
    }
    let _ = connection.write_all(b"0\r\n\r\n").await;
    let mut reader = BufReader::new(connection);
    let (status, body) = read_answer(&mut reader).await;
    assert_eq!(status, 413);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["code"], "body_too_large");
}

/// The stylesheet, fetched again and again over one kept-alive connection, answers every time.
/// The times are printed for a person to read; speed itself is measured by the benchmarks.
#[tokio::test]
async fn a_static_file_comes_twenty_times_over_one_kept_alive_connection() {
    let app = spawn_app("static_keep_alive", (Db::Sqlite, Store::InProcess)).await;
    let path = bundle_file("hauler.css");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", host(&app));
    let mut reader = BufReader::new(connect(&app).await);
    let mut times = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        reader
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .unwrap();
        let (status, body) = read_answer(&mut reader).await;
        times.push(started.elapsed());
        assert_eq!(status, 200);
        assert!(!body.is_empty());
    }
    times.sort();
    println!(
        "the stylesheet, 20 times on one connection: median {:?}",
        times[times.len() / 2]
    );
}

/// A client opening more connections than the instance takes, each idle after one request,
/// does not lock anyone out: every newcomer is answered, the connections idle the longest were
/// closed to make room, and the newest still answer. (The instance's own calls to its sandbox
/// services hold a few connections too, so the test counts with a margin.)
#[tokio::test]
async fn at_the_limit_of_connections_those_idle_longest_make_room() {
    let most = 40;
    let app = spawn_app_with(
        "connections_make_room",
        (Db::Sqlite, Store::InProcess),
        Options {
            extra_vars: vec![("MAX_CONNECTIONS", most.to_string())],
        },
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..most + 5 {
        let mut connection = BufReader::new(connect(&app).await);
        let (status, _) = ask(&mut connection, &app, "/healthz").await;
        assert_eq!(status, 200, "every newcomer is answered");
        held.push(connection);
        // Each idle from a moment of its own.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for oldest in &mut held[..2] {
        assert!(
            closed_within(oldest, Duration::from_secs(5)).await,
            "the connections idle the longest are closed to make room"
        );
    }
    let newest = held.len() - 30;
    for connection in &mut held[newest..] {
        let (status, _) = ask(connection, &app, "/healthz").await;
        assert_eq!(status, 200, "the newest connections are kept");
    }
}

/// With every connection the instance takes busy (uploads not yet finished, more of them than
/// the limit), a newcomer is not refused and no upload is cut: the newcomer waits, and once the
/// uploads finish every one has its answer, and then the newcomer.
#[tokio::test]
async fn at_the_limit_with_every_connection_busy_a_newcomer_waits_and_nothing_is_cut() {
    let most = 20;
    let app = spawn_app_with(
        "connections_all_busy",
        (Db::Sqlite, Store::InProcess),
        Options {
            extra_vars: vec![("MAX_CONNECTIONS", most.to_string())],
        },
    )
    .await;
    let body = "x".repeat(100);
    let head = format!(
        "POST /api/v1/auth/telegram HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        host(&app),
        body.len()
    );
    // More uploads than the limit: the instance's own calls to its sandbox services come and go
    // on connections of their own, and each one ending lets one more waiting upload in, not the
    // newcomer, who connects behind them all.
    let mut uploads = Vec::new();
    for _ in 0..most + 10 {
        let mut upload = BufReader::new(connect(&app).await);
        let started = format!("{head}{}", &body[..10]);
        upload
            .get_mut()
            .write_all(started.as_bytes())
            .await
            .unwrap();
        uploads.push(upload);
    }
    // Time for the instance to take the uploads (closing its own idle connections for them).
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut newcomer = BufReader::new(connect(&app).await);
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", host(&app));
    newcomer
        .get_mut()
        .write_all(request.as_bytes())
        .await
        .unwrap();
    let mut first_byte = [0u8; 1];
    let early = tokio::time::timeout(
        Duration::from_millis(700),
        newcomer.get_mut().peek(&mut first_byte),
    )
    .await;
    assert!(
        early.is_err(),
        "the newcomer waits while every connection is busy"
    );

    for upload in &mut uploads {
        upload
            .get_mut()
            .write_all(&body.as_bytes()[10..])
            .await
            .unwrap();
        let (status, _) = read_answer(upload).await;
        assert_eq!(
            status, 400,
            "each upload has its answer (the body is not JSON)"
        );
    }
    let (status, _) = read_answer(&mut newcomer).await;
    assert_eq!(status, 200, "then the newcomer is answered");
}

/// A connection that says nothing, one kept alive after its answer, and one sending its request
/// head a line every half second are all closed once they have gone a second (the configured
/// idle time) without a whole head.
#[tokio::test]
async fn a_connection_without_a_whole_request_head_for_the_idle_time_is_closed() {
    let app = spawn_app_with(
        "connections_idle",
        (Db::Sqlite, Store::InProcess),
        Options {
            extra_vars: vec![("IDLE_CONNECTION_SECONDS", "1".into())],
        },
    )
    .await;
    let mut silent = BufReader::new(connect(&app).await);
    let mut kept_alive = BufReader::new(connect(&app).await);
    let (status, _) = ask(&mut kept_alive, &app, "/healthz").await;
    assert_eq!(status, 200);
    let mut trickling = BufReader::new(connect(&app).await);
    let trickle = async {
        let lines = [
            "GET /healthz HTTP/1.1\r\n".to_owned(),
            format!("Host: {}\r\n", host(&app)),
        ]
        .into_iter()
        .chain((0..20).map(|n| format!("X-Line-{n}: slow\r\n")));
        for line in lines {
            if trickling
                .get_mut()
                .write_all(line.as_bytes())
                .await
                .is_err()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    };
    let within = Duration::from_secs(5);
    let (silent_closed, kept_alive_closed, ()) = tokio::join!(
        closed_within(&mut silent, within),
        closed_within(&mut kept_alive, within),
        trickle
    );
    assert!(silent_closed, "a connection that sent nothing is closed");
    assert!(kept_alive_closed, "an idle kept-alive connection is closed");
    assert!(
        closed_within(&mut trickling, Duration::from_millis(100)).await,
        "a connection trickling its head is closed before the head is whole"
    );
}

/// Asks `path` on the connection and reads the answer.
async fn ask(connection: &mut BufReader<TcpStream>, app: &TestApp, path: &str) -> (u16, Vec<u8>) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", host(app));
    connection
        .get_mut()
        .write_all(request.as_bytes())
        .await
        .unwrap();
    read_answer(connection).await
}

/// Whether the server closes the connection within `within` (having perhaps said why first: a
/// `408` to a head left unfinished).
async fn closed_within(connection: &mut BufReader<TcpStream>, within: Duration) -> bool {
    let mut rest = Vec::new();
    match tokio::time::timeout(within, connection.read_to_end(&mut rest)).await {
        Ok(Ok(_) | Err(_)) => true,
        Err(_) => false,
    }
}

fn host(app: &TestApp) -> &str {
    app.address.trim_start_matches("http://")
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(host(app)).await.unwrap()
}

/// One HTTP/1.1 answer with a declared length: its status and body, leaving the connection
/// ready for the next.
async fn read_answer(reader: &mut BufReader<TcpStream>) -> (u16, Vec<u8>) {
    let within = Duration::from_secs(10);
    tokio::time::timeout(within, async {
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("a status line, not {line:?}"));
        let mut length = None;
        loop {
            line.clear();
            reader.read_line(&mut line).await.unwrap();
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let mut body = vec![0; length.expect("the answer declares its length")];
        reader.read_exact(&mut body).await.unwrap();
        (status, body)
    })
    .await
    .expect("the answer arrives")
}

/// The drivers' WASM as the build compressed it: brotli to a browser that takes it, gzip to one
/// that takes only that, as it is to one that takes neither, each with its own tag; asked again
/// with the tag it holds, `304` and no body. The bytes are the build's own files.
#[tokio::test]
async fn a_bundle_file_comes_precompressed_by_the_build_in_the_form_the_browser_takes() {
    let app = spawn_app("static_precompressed", (Db::Sqlite, Store::InProcess)).await;
    let path = bundle_file("hauler_bg.wasm");
    let on_disk =
        |suffix: &str| std::fs::read(built_file(&format!("hauler_bg.wasm{suffix}"))).unwrap();
    let ask = |accept: Option<&'static str>, held: Option<String>| {
        let mut request = app.client.get(app.url(&path));
        if let Some(accept) = accept {
            request = request.header("accept-encoding", accept);
        }
        if let Some(held) = held {
            request = request.header("if-none-match", held);
        }
        request.send()
    };
    let mut tags = Vec::new();
    for (accept, encoding, suffix) in [
        (Some("gzip, deflate, br"), Some("br"), ".br"),
        (Some("gzip"), Some("gzip"), ".gz"),
        (None, None, ""),
    ] {
        let answer = ask(accept, None).await.unwrap();
        assert_eq!(answer.status(), 200);
        let header = |name: &str| {
            answer
                .headers()
                .get(name)
                .map(|value| value.to_str().unwrap().to_owned())
        };
        assert_eq!(
            header("content-encoding").as_deref(),
            encoding,
            "{accept:?}"
        );
        assert_eq!(header("content-type").as_deref(), Some("application/wasm"));
        assert_eq!(header("vary").as_deref(), Some("accept-encoding"));
        assert!(header("cache-control").unwrap().contains("immutable"));
        let tag = header("etag").expect("a tag");
        let body = answer.bytes().await.unwrap();
        assert_eq!(
            &body[..],
            &on_disk(suffix)[..],
            "{accept:?}: the build's own bytes"
        );
        tags.push(tag);
    }
    tags.dedup();
    assert_eq!(tags.len(), 3, "each form its own tag: {tags:?}");
    let again = ask(Some("br"), Some(tags[0].clone())).await.unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());
    let other_form = ask(Some("gzip"), Some(tags[0].clone())).await.unwrap();
    assert_eq!(
        other_form.status(),
        200,
        "a tag of another form is not the one held"
    );
}
