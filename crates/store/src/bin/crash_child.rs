//! The crash test's child process (see `tests/crash.rs`).
//!
//! `heartlens-store-crash-child DB` opens the store at DB and writes forever: an annotation,
//! then a streamed chat message a few tokens at a time, then the next annotation. After each
//! commit it prints what is now durable, one line each, flushed:
//! `A <annotation id>`, `M <message id>` (message started), `T <message id> <text length>`.
//! The parent kills it with SIGKILL at a random moment and checks every printed row is there.

use std::io::Write;

use store::Store;
use store::annotations::AnnotationData;
use store::chats::{MessageStatus, NewMessage};
use store::recordings::{ContentHash, NewRecording};

fn main() -> std::process::ExitCode {
    let Some(db) = std::env::args_os().nth(1) else {
        eprintln!("usage: heartlens-store-crash-child DB");
        return std::process::ExitCode::from(2);
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(std::path::PathBuf::from(db))) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crash child: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn ack(line: std::fmt::Arguments<'_>) -> store::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(line)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(|e| store::Error::State(format!("stdout: {e}")))
}

async fn run(db: std::path::PathBuf) -> store::Result<()> {
    let store = Store::open(db).await?;
    let rec = store
        .open_recording(&NewRecording {
            content_sha256: ContentHash::of_bytes(b"crash test recording"),
            size_bytes: 20,
            path: "/crash/test.hea".into(),
            format: "WFDB".into(),
            metadata: serde_json::json!({ "leads": 12 }),
        })
        .await?;
    let thread = store.create_thread(rec.id, "crash").await?;
    let meta = NewMessage {
        model_id: Some("test-model".into()),
        mode: Some("text".into()),
        prompt_tokens: Some(12),
    };
    let mut n: u64 = 0;
    loop {
        n += 1;
        let t = (n % 3600) as f64;
        let a = store
            .add_annotation(
                rec.id,
                &AnnotationData::note(t, t + 0.5, format!("note {n}")),
                "crash",
            )
            .await?;
        ack(format_args!("A {}", a.id))?;
        let msg = store.start_message(thread.id, &meta).await?;
        ack(format_args!("M {}", msg.id))?;
        let mut len = 0usize;
        for k in 0..8 {
            let tok = format!("t{k} ");
            store.append_tokens(msg.id, &tok, 1).await?;
            len += tok.len();
            ack(format_args!("T {} {len}", msg.id))?;
        }
        store
            .finish_message(msg.id, &MessageStatus::Complete)
            .await?;
    }
}
