//! Deploying on one engine: what is already there (for the checks), pulling with progress,
//! and creating a container from a [`DeployPlan`], as `docker run` would.

use std::collections::HashMap;

use bollard::auth::DockerCredentials;
use bollard::models::{
    ContainerCreateBody, ContainerSummaryStateEnum, HostConfig, PortBinding, PortSummaryTypeEnum,
    RestartPolicy, RestartPolicyNameEnum,
};
use bollard::query_parameters::{
    CreateContainerOptions, CreateImageOptions, ListContainersOptions, ListNetworksOptions,
    ListVolumesOptions, RemoveVolumeOptions,
};
use bollard::Docker;
use futures_util::StreamExt;
use squirrel_core::ports::{EngineFacts, ExistingContainer};
use squirrel_core::templates::{
    split_words, DeployPlan, ImageRef, PortSpec, Protocol, PullMessage, VolumeSource,
};
use squirrel_core::updates::RegistryCredentials;
use squirrel_core::EngineError;

use crate::client::engine_error;

pub(crate) async fn facts(docker: &Docker) -> Result<EngineFacts, EngineError> {
    let list = ListContainersOptions {
        all: true,
        ..Default::default()
    };
    let (containers, networks, volumes) = tokio::try_join!(
        docker.list_containers(Some(list)),
        docker.list_networks(None::<ListNetworksOptions>),
        docker.list_volumes(None::<ListVolumesOptions>),
    )
    .map_err(engine_error)?;
    let containers = containers
        .into_iter()
        .flat_map(|c| {
            let running = c.state == Some(ContainerSummaryStateEnum::RUNNING);
            // The list shows the bindings of running containers; a stopped container holds
            // no host port.
            let ports: Vec<PortSpec> = c
                .ports
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| {
                    Some(PortSpec {
                        host_ip: p
                            .ip
                            .filter(|ip| !matches!(ip.as_str(), "" | "0.0.0.0" | "::")),
                        host_port: Some(p.public_port?),
                        container_port: p.private_port,
                        protocol: match p.typ {
                            Some(PortSummaryTypeEnum::UDP) => Protocol::Udp,
                            _ => Protocol::Tcp,
                        },
                    })
                })
                .collect();
            c.names
                .unwrap_or_default()
                .into_iter()
                .map(move |n| ExistingContainer {
                    name: n.trim_start_matches('/').to_owned(),
                    running,
                    ports: ports.clone(),
                })
        })
        .collect();
    Ok(EngineFacts {
        containers,
        networks: networks.into_iter().filter_map(|n| n.name).collect(),
        volumes: volumes
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.name)
            .collect(),
    })
}

pub(crate) async fn image_present(docker: &Docker, image: &str) -> Result<bool, EngineError> {
    match docker.inspect_image(image).await.map_err(engine_error) {
        Ok(_) => Ok(true),
        Err(EngineError::NoSuchObject(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// `fromImage` and `tag` for a reference: without a tag the API would pull every tag of the
/// repository, so `latest` is asked, as `docker pull` does.
fn pull_options(image: &str) -> Result<CreateImageOptions, EngineError> {
    let r = ImageRef::parse(image).map_err(EngineError::BadRequest)?;
    let name = match &r.registry {
        Some(reg) => format!("{reg}/{}", r.repository),
        None => r.repository.clone(),
    };
    let (from_image, tag) = match (&r.digest, &r.tag) {
        (Some(digest), _) => (format!("{name}@{digest}"), None),
        (None, tag) => (name, Some(tag.clone().unwrap_or_else(|| "latest".into()))),
    };
    Ok(CreateImageOptions {
        from_image: Some(from_image),
        tag,
        ..Default::default()
    })
}

pub(crate) async fn pull(
    docker: &Docker,
    image: &str,
    credentials: Option<&RegistryCredentials>,
    progress: &(dyn Fn(PullMessage) + Send + Sync),
) -> Result<(), EngineError> {
    let options = pull_options(image)?;
    // The engine logs in to the registry with these (X-Registry-Auth); it keeps nothing.
    let auth = credentials.map(|c| DockerCredentials {
        username: Some(c.username.clone()),
        password: Some(c.secret.expose().to_string()),
        serveraddress: ImageRef::parse(image).ok().and_then(|r| r.registry),
        ..Default::default()
    });
    let mut stream = docker.create_image(Some(options), None, auth);
    while let Some(item) = stream.next().await {
        let info = item.map_err(engine_error)?;
        if let Some(detail) = info.error_detail.and_then(|d| d.message) {
            return Err(EngineError::Other(detail));
        }
        let detail = info.progress_detail.unwrap_or_default();
        progress(PullMessage {
            id: info.id,
            status: info.status.unwrap_or_default(),
            current: detail.current.and_then(|n| u64::try_from(n).ok()),
            total: detail.total.and_then(|n| u64::try_from(n).ok()),
        });
    }
    Ok(())
}

/// The engine's request body for a plan, as `docker run` builds it: binds as `-v` strings
/// (a missing host folder is created), one binding per published port.
pub(crate) fn create_body(plan: &DeployPlan) -> Result<ContainerCreateBody, EngineError> {
    let mut exposed: Vec<String> = Vec::new();
    let mut bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    for p in &plan.ports {
        let key = format!("{}/{}", p.container_port, p.protocol.as_str());
        if !exposed.contains(&key) {
            exposed.push(key.clone());
        }
        let binding = PortBinding {
            host_ip: p
                .host_ip
                .as_deref()
                .map(|ip| ip.trim_start_matches('[').trim_end_matches(']').to_owned()),
            // Empty: the engine picks a free port, as `-p 80` does.
            host_port: Some(p.host_port.map(|n| n.to_string()).unwrap_or_default()),
        };
        if let Some(list) = bindings.entry(key).or_insert_with(|| Some(Vec::new())) {
            list.push(binding);
        }
    }
    let binds: Vec<String> = plan
        .volumes
        .iter()
        .filter_map(|v| {
            let source = match &v.source {
                VolumeSource::Anonymous => return None,
                VolumeSource::Named(s) | VolumeSource::Bind(s) => s,
            };
            let mode = if v.readonly { ":ro" } else { "" };
            Some(format!("{source}:{}{mode}", v.container))
        })
        .collect();
    let anonymous: Vec<String> = plan
        .volumes
        .iter()
        .filter(|v| v.source == VolumeSource::Anonymous)
        .map(|v| v.container.clone())
        .collect();
    let cmd = match plan
        .command
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(c) => {
            Some(split_words(c).map_err(|e| EngineError::BadRequest(format!("command: {e}")))?)
        }
        None => None,
    };
    let restart_policy = plan.restart_policy.map(|p| RestartPolicy {
        name: Some(match p {
            squirrel_core::templates::RestartPolicy::Always => RestartPolicyNameEnum::ALWAYS,
            squirrel_core::templates::RestartPolicy::No => RestartPolicyNameEnum::NO,
            squirrel_core::templates::RestartPolicy::OnFailure => RestartPolicyNameEnum::ON_FAILURE,
            squirrel_core::templates::RestartPolicy::UnlessStopped => {
                RestartPolicyNameEnum::UNLESS_STOPPED
            }
        }),
        maximum_retry_count: None,
    });
    let host_config = HostConfig {
        binds: (!binds.is_empty()).then_some(binds),
        port_bindings: (!bindings.is_empty()).then_some(bindings),
        network_mode: plan.network.clone().filter(|n| !n.trim().is_empty()),
        restart_policy,
        privileged: plan.privileged.then_some(true),
        cap_add: (!plan.cap_add.is_empty()).then(|| plan.cap_add.clone()),
        memory: plan.memory_bytes.and_then(|b| i64::try_from(b).ok()),
        nano_cpus: plan.cpus.map(|c| (c * 1e9).round() as i64),
        ..Default::default()
    };
    Ok(ContainerCreateBody {
        image: Some(plan.image.clone()),
        env: Some(
            plan.env
                .iter()
                .map(|e| format!("{}={}", e.name, e.value))
                .collect(),
        ),
        labels: Some(
            plan.labels
                .iter()
                .map(|l| (l.name.clone(), l.value.clone()))
                .collect(),
        ),
        cmd,
        hostname: plan.hostname.clone().filter(|h| !h.trim().is_empty()),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        volumes: (!anonymous.is_empty()).then_some(anonymous),
        tty: plan.interactive.then_some(true),
        open_stdin: plan.interactive.then_some(true),
        host_config: Some(host_config),
        ..Default::default()
    })
}

pub(crate) async fn create(docker: &Docker, plan: &DeployPlan) -> Result<String, EngineError> {
    let body = create_body(plan)?;
    let options = CreateContainerOptions {
        name: Some(plan.name.trim().trim_start_matches('/').to_owned()),
        ..Default::default()
    };
    let created = docker
        .create_container(Some(options), body)
        .await
        .map_err(engine_error)?;
    Ok(created.id)
}

pub(crate) async fn remove_volume(docker: &Docker, name: &str) -> Result<(), EngineError> {
    docker
        .remove_volume(name, None::<RemoveVolumeOptions>)
        .await
        .map_err(engine_error)
}
