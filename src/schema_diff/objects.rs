//! Which kind's code makes, drops and changes an object.

use super::Statement;
use super::context::{Ctx, Edit};
use super::model::{Body, Object};
use super::{
    columns, constraints, default_privileges, grants, indexes, misc, routines, security, tables,
    types, views,
};

pub fn create(ctx: &Ctx, object: &Object) -> Vec<Statement> {
    let mut statements = made(ctx, object);
    statements.extend(grants::revoke_defaults(ctx, object));
    statements
}

fn made(ctx: &Ctx, object: &Object) -> Vec<Statement> {
    match &object.body {
        Body::Table { .. } => tables::create_table(ctx, object),
        Body::Column { .. } => columns::add_column(object),
        Body::Constraint { .. } => constraints::create(ctx, object),
        Body::Index { .. } => indexes::create(ctx, object),
        Body::Enum { .. } | Body::Domain { .. } | Body::Composite { .. } => types::create(object),
        Body::View { .. } | Body::MaterializedView { .. } => views::create(object),
        Body::Function { .. } | Body::Trigger { .. } => routines::create(object),
        Body::Policy { .. } => security::create_policy(object),
        Body::Grant { .. } => grants::create_grant(ctx, object),
        Body::DefaultPrivilege { .. } => default_privileges::create(object),
        Body::Schema
        | Body::Extension { .. }
        | Body::Sequence { .. }
        | Body::Collation { .. }
        | Body::Comment { .. }
        | Body::Publication { .. } => misc::create(object),
    }
}

pub fn drop(object: &Object) -> Vec<Statement> {
    match &object.body {
        Body::Table { .. } => tables::drop_table(object),
        Body::Column { .. } => columns::drop_column(object),
        Body::Constraint { .. } => constraints::drop(object),
        Body::Index { .. } => indexes::drop(object),
        Body::Enum { .. } | Body::Domain { .. } | Body::Composite { .. } => types::drop(object),
        Body::View { .. } | Body::MaterializedView { .. } => views::drop(object),
        Body::Function { .. } | Body::Trigger { .. } => routines::drop(object),
        Body::Policy { .. } => security::drop_policy(object),
        Body::Grant { .. } => grants::drop_grant(object),
        Body::DefaultPrivilege { .. } => default_privileges::drop(object),
        Body::Schema
        | Body::Extension { .. }
        | Body::Sequence { .. }
        | Body::Collation { .. }
        | Body::Comment { .. }
        | Body::Publication { .. } => misc::drop(object),
    }
}

/// The change has no in-place form: the object is dropped and made again.
pub fn replaces(old: &Object, new: &Object) -> bool {
    if std::mem::discriminant(&old.body) != std::mem::discriminant(&new.body) {
        return true;
    }
    match &old.body {
        Body::Table { .. } => tables::table_replaces(&old.body, &new.body),
        Body::Column { .. } => columns::column_replaces(&old.body, &new.body),
        Body::Constraint { .. } => constraints::replaces(&old.body, &new.body),
        Body::Index { .. } | Body::View { .. } | Body::MaterializedView { .. } => true,
        Body::Trigger { .. } => true,
        Body::Enum { .. } | Body::Domain { .. } | Body::Composite { .. } => {
            types::replaces(&old.body, &new.body)
        }
        Body::Function { .. } => routines::replaces(&old.body, &new.body),
        Body::Policy { .. } => security::policy_replaces(&old.body, &new.body),
        Body::Grant { .. } | Body::DefaultPrivilege { .. } => false,
        Body::Schema => false,
        Body::Extension { .. }
        | Body::Sequence { .. }
        | Body::Collation { .. }
        | Body::Comment { .. }
        | Body::Publication { .. } => misc::replaces(old, new),
    }
}

/// The in-place change of an object `replaces` keeps.
pub fn alter(ctx: &Ctx, old: &Object, new: &Object) -> Edit {
    match &new.body {
        Body::Table { .. } => tables::alter_table(old, new),
        Body::Column { .. } => columns::alter_column(ctx, old, new),
        Body::Constraint { .. } => constraints::alter(new),
        Body::Enum { .. } => types::alter(ctx, old, new),
        Body::Function { .. } => Edit {
            release: Vec::new(),
            establish: routines::create(new),
        },
        Body::Policy { .. } => security::alter_policy(old, new),
        Body::Grant { .. } => grants::alter_grant(old, new),
        Body::DefaultPrivilege { .. } => default_privileges::alter(old, new),
        Body::Extension { .. }
        | Body::Sequence { .. }
        | Body::Comment { .. }
        | Body::Publication { .. } => misc::alter(old, new),
        _ => Edit::default(),
    }
}
