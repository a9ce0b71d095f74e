//! Small constructors for the planner's tests: schemas built by hand.

use std::collections::BTreeSet;

use super::model::{Body, ConstraintKind, Identity, Key, Kind, Object, PolicyCommand, Schema};
use super::{Changes, Statement};

pub fn object(kind: Kind, name: &str, owner: Option<Key>, body: Body) -> Object {
    Object {
        key: Key::new(kind, name),
        owner,
        body,
        depends_on: BTreeSet::new(),
    }
}

/// A schema of `objects`, with PUBLIC's built-in privilege on each function and type as the
/// catalog reader lists it (EXECUTE, USAGE).
pub fn schema(objects: Vec<Object>) -> Schema {
    let mut schema = schema_without_defaults(objects);
    let defaults: Vec<Object> = schema
        .objects
        .values()
        .filter_map(|o| {
            let (privilege, word) = match &o.body {
                Body::Function {
                    procedure: true, ..
                } => ("EXECUTE", "PROCEDURE"),
                Body::Function { .. } => ("EXECUTE", "FUNCTION"),
                Body::Enum { .. } | Body::Domain { .. } | Body::Composite { .. } => {
                    ("USAGE", "TYPE")
                }
                _ => return None,
            };
            let on = format!("{word} {}", o.key.name);
            Some(object(
                Kind::Grant,
                &format!("{on} TO PUBLIC"),
                Some(o.key.clone()),
                Body::Grant {
                    on,
                    columns: Vec::new(),
                    grantee: "PUBLIC".into(),
                    privileges: BTreeSet::from([privilege.to_string()]),
                    grantable: BTreeSet::new(),
                },
            ))
        })
        .collect();
    for grant in defaults {
        schema.insert(grant);
    }
    schema
}

/// A schema of exactly `objects`.
pub fn schema_without_defaults(objects: Vec<Object>) -> Schema {
    let mut schema = Schema::default();
    for object in objects {
        schema.insert(object);
    }
    schema
}

pub fn key(kind: Kind, name: &str) -> Key {
    Key::new(kind, name)
}

/// `object` needing `keys`.
pub fn needing(mut object: Object, keys: &[Key]) -> Object {
    object.depends_on.extend(keys.iter().cloned());
    object
}

pub fn namespace(name: &str) -> Object {
    object(Kind::Schema, name, None, Body::Schema)
}

pub fn table(name: &str) -> Object {
    object(
        Kind::Table,
        name,
        None,
        Body::Table {
            partition_by: None,
            partition_of: None,
            unlogged: false,
            row_security: false,
            force_row_security: false,
        },
    )
}

pub fn column(table: &str, column: &str, data_type: &str, position: i16) -> Object {
    object(
        Kind::Column,
        &format!("{table}.{column}"),
        Some(Key::new(Kind::Table, table)),
        Body::Column {
            table: table.into(),
            column: column.into(),
            data_type: data_type.into(),
            collation: None,
            not_null: false,
            default: None,
            identity: None,
            identity_sequence: None,
            generated: None,
            position,
        },
    )
}

/// Changes a column's body in place.
pub fn with_column(mut object: Object, change: impl FnOnce(&mut ColumnParts)) -> Object {
    if let Body::Column {
        data_type,
        not_null,
        default,
        identity,
        generated,
        ..
    } = &mut object.body
    {
        let mut parts = ColumnParts {
            data_type: data_type.clone(),
            not_null: *not_null,
            default: default.clone(),
            identity: *identity,
            generated: generated.clone(),
        };
        change(&mut parts);
        *data_type = parts.data_type;
        *not_null = parts.not_null;
        *default = parts.default;
        *identity = parts.identity;
        *generated = parts.generated;
    }
    object
}

pub struct ColumnParts {
    pub data_type: String,
    pub not_null: bool,
    pub default: Option<String>,
    pub identity: Option<Identity>,
    pub generated: Option<String>,
}

pub fn constraint(table: &str, name: &str, kind: ConstraintKind, definition: &str) -> Object {
    object(
        Kind::Constraint,
        &format!("{table} {name}"),
        Some(Key::new(Kind::Table, table)),
        Body::Constraint {
            table: table.into(),
            constraint: kind,
            definition: definition.into(),
            validated: true,
        },
    )
}

pub fn index(table: &str, name: &str, create: &str) -> Object {
    object(
        Kind::Index,
        name,
        Some(Key::new(Kind::Table, table)),
        Body::Index {
            table: table.into(),
            create: create.into(),
        },
    )
}

pub fn function(name: &str, create: &str, returns: &str) -> Object {
    object(
        Kind::Function,
        name,
        None,
        Body::Function {
            create: create.into(),
            returns: Some(returns.into()),
            procedure: false,
        },
    )
}

pub fn trigger(table: &str, name: &str, create: &str) -> Object {
    object(
        Kind::Trigger,
        &format!("{table} {name}"),
        Some(Key::new(Kind::Table, table)),
        Body::Trigger {
            table: table.into(),
            create: create.into(),
        },
    )
}

pub fn policy(table: &str, name: &str, using: &str) -> Object {
    object(
        Kind::Policy,
        &format!("{table} {name}"),
        Some(Key::new(Kind::Table, table)),
        Body::Policy {
            table: table.into(),
            policy: name.into(),
            permissive: true,
            command: PolicyCommand::All,
            roles: vec!["PUBLIC".into()],
            using: Some(using.into()),
            with_check: None,
        },
    )
}

pub fn view(name: &str, query: &str) -> Object {
    object(
        Kind::View,
        name,
        None,
        Body::View {
            query: query.into(),
            options: Vec::new(),
        },
    )
}

pub fn enum_type(name: &str, labels: &[&str]) -> Object {
    object(
        Kind::Type,
        name,
        None,
        Body::Enum {
            labels: labels.iter().map(|l| l.to_string()).collect(),
        },
    )
}

pub fn sqls(statements: &[Statement]) -> Vec<&str> {
    statements.iter().map(|s| s.sql.as_str()).collect()
}

pub fn hazards(statements: &[Statement]) -> Vec<&str> {
    statements
        .iter()
        .filter_map(|s| s.hazard.as_deref())
        .collect()
}

/// The position of the statement `sql` in `statements`; fails the test when absent.
pub fn position(statements: &[Statement], sql: &str) -> usize {
    statements
        .iter()
        .position(|s| s.sql == sql)
        .unwrap_or_else(|| panic!("{sql} not in {:#?}", sqls(statements)))
}

pub fn up_and_down(from: &Schema, to: &Schema) -> Changes {
    super::changes(from, to)
}
