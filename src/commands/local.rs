//! `dbward local start|stop|status|url|destroy`.

use super::Context;
use crate::cli::LocalAction;
use crate::error::Result;
use crate::local::{LocalCluster, LocalState};
use crate::report::{LocalCommand, LocalReport, LocalStateName};

pub fn run(ctx: &Context, action: LocalAction) -> Result<()> {
    let mut cluster = LocalCluster::for_project(&ctx.settings.project_root);
    let folder = cluster.root().display().to_string();
    // Messages say where the data is too.
    let mut shown = place(&cluster);
    let password_file = cluster.password_file().display().to_string();
    let (action_name, message) = match action {
        LocalAction::Start | LocalAction::Url => {
            // `url` prints only the URL: a start it makes is said on stderr.
            let running = if matches!(action, LocalAction::Url) {
                ctx.start_local()?.1
            } else {
                cluster.start()?
            };
            // The data's place is settled only now, at the first start.
            cluster = LocalCluster::for_project(&ctx.settings.project_root);
            shown = place(&cluster);
            let name = if matches!(action, LocalAction::Start) {
                LocalCommand::Start
            } else {
                LocalCommand::Url
            };
            let url = LocalCluster::application_url(running.port);
            let mut message = if running.started {
                format!(
                    "started the local PostgreSQL in {shown}: {url} (password in {password_file})"
                )
            } else {
                format!(
                    "the local PostgreSQL in {shown} is already running: {url} (password in {password_file})"
                )
            };
            if let Some(user) = &running.created_user {
                message.push_str(&format!(
                    "\nmade the system user `{user}` to run it as (PostgreSQL does not run as root)"
                ));
            }
            (name, message)
        }
        LocalAction::Stop => (
            LocalCommand::Stop,
            if cluster.stop()? {
                format!("stopped the local PostgreSQL in {shown}")
            } else {
                format!("the local PostgreSQL in {shown} was not running")
            },
        ),
        LocalAction::Destroy => (
            LocalCommand::Destroy,
            if cluster.destroy()? {
                format!("removed {shown} and all its data")
            } else {
                format!("{shown} does not exist: nothing to remove")
            },
        ),
        LocalAction::Status => (LocalCommand::Status, String::new()),
    };
    let state = cluster.state()?;
    let url = match state {
        LocalState::Running { port, .. } => Some(LocalCluster::application_url(port)),
        _ => None,
    };
    let message = if message.is_empty() {
        match &state {
            LocalState::NotCreated => {
                format!("no local PostgreSQL yet in {shown}; `dbward local start` makes one")
            }
            LocalState::Stopped => format!("the local PostgreSQL in {shown} is stopped"),
            LocalState::Running { .. } => format!(
                "the local PostgreSQL in {shown} is running: {} (password in {password_file})",
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
        password_file: cluster.password_file().exists().then_some(password_file),
        message,
    });
    Ok(())
}

/// `.dbward/`, and where the data is when it is kept elsewhere.
fn place(cluster: &LocalCluster) -> String {
    match cluster.kept_elsewhere() {
        Some(dir) => format!(
            "{} (data in {}, where the server's user can reach it)",
            cluster.root().display(),
            dir.display()
        ),
        None => cluster.root().display().to_string(),
    }
}
