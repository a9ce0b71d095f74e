//! `dbward local start|stop|status|url|destroy`.

use super::Context;
use crate::cli::LocalAction;
use crate::db::connect::Target;
use crate::db::local::{LOCAL_DATABASE, LocalCluster, LocalState};
use crate::error::Result;
use crate::report::{LocalReport, LocalStateName};

pub fn run(ctx: &Context, action: LocalAction) -> Result<()> {
    let cluster = LocalCluster::for_project(&ctx.settings.project_dir);
    let folder = cluster.root().display().to_string();
    let (action_name, message) = match action {
        LocalAction::Start | LocalAction::Url => {
            let (target, started) = cluster.ensure_running()?;
            let name = if matches!(action, LocalAction::Start) {
                "start"
            } else {
                "url"
            };
            let message = if started {
                format!(
                    "started the local PostgreSQL in {folder}: {}",
                    target.url_without_password()
                )
            } else {
                format!(
                    "the local PostgreSQL in {folder} is already running: {}",
                    target.url_without_password()
                )
            };
            (name, message)
        }
        LocalAction::Stop => (
            "stop",
            if cluster.stop()? {
                format!("stopped the local PostgreSQL in {folder}")
            } else {
                format!("the local PostgreSQL in {folder} was not running")
            },
        ),
        LocalAction::Destroy => (
            "destroy",
            if cluster.destroy()? {
                format!("removed {folder} and all its data")
            } else {
                format!("{folder} does not exist: nothing to remove")
            },
        ),
        LocalAction::Status => ("status", String::new()),
    };
    let state = cluster.state()?;
    let url = match state {
        LocalState::Running { port } => {
            Some(Target::local(port, LOCAL_DATABASE).url_without_password())
        }
        _ => None,
    };
    let message = if message.is_empty() {
        match &state {
            LocalState::NotCreated => {
                format!("no local PostgreSQL yet in {folder}; `dbward local start` makes one")
            }
            LocalState::Stopped => format!("the local PostgreSQL in {folder} is stopped"),
            LocalState::Running { .. } => format!(
                "the local PostgreSQL in {folder} is running: {}",
                url.as_deref().unwrap_or_default()
            ),
        }
    } else {
        message
    };
    ctx.out.local(&LocalReport {
        action: action_name,
        state: match state {
            LocalState::NotCreated => LocalStateName::NotCreated,
            LocalState::Stopped => LocalStateName::Stopped,
            LocalState::Running { .. } => LocalStateName::Running,
        },
        folder,
        url,
        message,
    });
    Ok(())
}
