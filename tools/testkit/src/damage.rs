//! Damage, on purpose: what a disk fault or a careless tool could do to stored data, done
//! through the JetStream API so that a test (and the tour) can show what a reader then gets.

use crate::{NatsServer, jetstream_api, publish_all};

/// Replaces the last chunk of the one object in the object store `bucket` with other bytes:
/// the chunk's message is deleted, and `bytes` stored on its subject in its place. The
/// object's record (size, chunk count, digest) is left as it was.
pub fn damage_last_chunk(server: &NatsServer, bucket: &str, bytes: &str) -> crate::Result<()> {
    let stream = format!("OBJ_{bucket}");
    let filter = format!(r#"{{"subjects_filter": "$O.{bucket}.C.>"}}"#);
    let info = jetstream_api(server, &format!("$JS.API.STREAM.INFO.{stream}"), &filter)?;
    let subjects = info["state"]["subjects"].as_object();
    let Some(chunks) = subjects.and_then(|subjects| subjects.keys().next().cloned()) else {
        return Err(crate::Failure(format!("no chunks in {stream}: {info}")));
    };
    let last = format!(r#"{{"last_by_subj": "{chunks}"}}"#);
    let last = jetstream_api(server, &format!("$JS.API.STREAM.MSG.GET.{stream}"), &last)?;
    let seq = last["message"]["seq"].as_u64().unwrap_or_default();
    let delete = format!(r#"{{"seq": {seq}}}"#);
    jetstream_api(
        server,
        &format!("$JS.API.STREAM.MSG.DELETE.{stream}"),
        &delete,
    )?;
    publish_all(server, &chunks, &[bytes.to_string()])
}
