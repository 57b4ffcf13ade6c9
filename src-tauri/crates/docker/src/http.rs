//! A bollard client over any hyper connector: the SSH channels and the TCP/TLS dialer
//! share it, so that every engine transport pools connections the same way.

use std::sync::Arc;
use std::time::Duration;

use bollard::Docker;
use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::BodyExt;
use hyper_util::client::legacy::connect::Connect;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

type ReqBody = UnsyncBoxBody<Bytes, Box<dyn std::error::Error + Send + Sync>>;

/// How long an idle pooled connection (or SSH channel) is kept for reuse.
const POOL_IDLE: Duration = Duration::from_secs(30);

/// A bollard client whose requests go to `base` (`http://…` or `https://…`) through
/// `connector`.
pub(crate) fn docker_over<C>(
    connector: C,
    base: &str,
    timeout_secs: u64,
) -> Result<Docker, bollard::errors::Error>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    let client: Client<C, ReqBody> = Client::builder(TokioExecutor::new())
        .pool_idle_timeout(POOL_IDLE)
        .build(connector);
    let client = Arc::new(client);
    Docker::connect_with_custom_transport(
        move |req: bollard::BollardRequest| {
            let client = client.clone();
            async move {
                client
                    .request(req.map(|b| b.boxed_unsync()))
                    .await
                    .map_err(bollard::errors::Error::from)
            }
        },
        Some(base),
        timeout_secs,
        bollard::API_DEFAULT_VERSION,
    )
}
