//! How the server meets the world at its edges: instances started together on one fresh
//! database, a body too large to take, and static files on a kept-alive connection.

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
