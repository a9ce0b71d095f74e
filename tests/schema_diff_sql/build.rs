//! Schemas built by hand, as the catalog reader would read them.

use std::collections::BTreeSet;

use dbward::schema_diff::model::{
    Body, ConstraintKind, Identity, Key, Kind, Object, PolicyCommand, Schema,
};

pub fn key(kind: Kind, name: &str) -> Key {
    Key::new(kind, name)
}

pub struct Build(pub Schema);

impl Build {
    pub fn new() -> Build {
        Build(Schema::default())
    }

    pub fn add(&mut self, kind: Kind, name: &str, owner: Option<Key>, body: Body, deps: &[Key]) {
        self.0.insert(Object {
            key: key(kind, name),
            owner,
            body,
            depends_on: deps.iter().cloned().collect(),
        });
    }

    pub fn table(&mut self, name: &str, row_security: bool) {
        self.add(
            Kind::Table,
            name,
            None,
            Body::Table {
                partition_by: None,
                partition_of: None,
                unlogged: false,
                row_security,
                force_row_security: false,
            },
            &[],
        );
    }

    #[allow(clippy::too_many_arguments)]
    pub fn column(
        &mut self,
        table: &str,
        column: &str,
        data_type: &str,
        not_null: bool,
        default: Option<&str>,
        identity: Option<Identity>,
        position: i16,
        deps: &[Key],
    ) {
        self.add(
            Kind::Column,
            &format!("{table}.{column}"),
            Some(key(Kind::Table, table)),
            Body::Column {
                table: table.into(),
                column: column.into(),
                data_type: data_type.into(),
                collation: None,
                not_null,
                default: default.map(String::from),
                identity,
                identity_sequence: None,
                generated: None,
                position,
            },
            deps,
        );
    }

    pub fn constraint(
        &mut self,
        table: &str,
        name: &str,
        kind: ConstraintKind,
        def: &str,
        deps: &[Key],
    ) {
        self.add(
            Kind::Constraint,
            &format!("{table} {name}"),
            Some(key(Kind::Table, table)),
            Body::Constraint {
                table: table.into(),
                constraint: kind,
                definition: def.into(),
                validated: true,
            },
            deps,
        );
    }

    pub fn index(&mut self, table: &str, name: &str, create: &str, deps: &[Key]) {
        let owner = if table.contains("tag_counts") {
            key(Kind::MaterializedView, table)
        } else {
            key(Kind::Table, table)
        };
        self.add(
            Kind::Index,
            &format!("public.{name}"),
            Some(owner),
            Body::Index {
                table: table.into(),
                create: create.into(),
            },
            deps,
        );
    }

    pub fn comment(&mut self, on: &str, owner: Key, text: &str) {
        self.add(
            Kind::Comment,
            on,
            Some(owner),
            Body::Comment {
                on: on.into(),
                text: text.into(),
            },
            &[],
        );
    }
}

/// PUBLIC's built-in privilege on each function and type, as the catalog reader lists it.
pub fn with_defaults(mut schema: Schema) -> Schema {
    let defaults: Vec<Object> = schema
        .objects
        .values()
        .filter_map(|o| {
            let (privilege, word) = match &o.body {
                Body::Function { .. } => ("EXECUTE", "FUNCTION"),
                Body::Enum { .. } | Body::Domain { .. } | Body::Composite { .. } => {
                    ("USAGE", "TYPE")
                }
                _ => return None,
            };
            let on = format!("{word} {}", o.key.name);
            Some(Object {
                key: key(Kind::Grant, &format!("{on} TO PUBLIC")),
                owner: Some(o.key.clone()),
                body: Body::Grant {
                    on,
                    columns: vec![],
                    grantee: "PUBLIC".into(),
                    privileges: BTreeSet::from([privilege.to_string()]),
                    grantable: BTreeSet::new(),
                },
                depends_on: BTreeSet::new(),
            })
        })
        .collect();
    for grant in defaults {
        schema.insert(grant);
    }
    schema
}

pub fn col(name: &str) -> Key {
    key(Kind::Column, name)
}

impl Build {
    pub fn function(&mut self, name: &str, create: &str, returns: &str, deps: &[Key]) {
        self.add(
            Kind::Function,
            name,
            None,
            Body::Function {
                create: create.into(),
                returns: Some(returns.into()),
                procedure: false,
            },
            deps,
        );
    }

    pub fn view(&mut self, name: &str, query: &str, deps: &[Key]) {
        self.add(
            Kind::View,
            name,
            None,
            Body::View {
                query: query.into(),
                options: vec![],
            },
            deps,
        );
    }

    #[allow(clippy::too_many_arguments)]
    pub fn policy(
        &mut self,
        table: &str,
        name: &str,
        command: PolicyCommand,
        using: Option<&str>,
        check: Option<&str>,
        deps: &[Key],
    ) {
        self.add(
            Kind::Policy,
            &format!("{table} {name}"),
            Some(key(Kind::Table, table)),
            Body::Policy {
                table: table.into(),
                policy: name.into(),
                permissive: true,
                command,
                roles: vec!["PUBLIC".into()],
                using: using.map(String::from),
                with_check: check.map(String::from),
            },
            deps,
        );
    }

    pub fn grant(&mut self, table: &str, privileges: &[&str]) {
        self.add(
            Kind::Grant,
            &format!("TABLE {table} TO PUBLIC"),
            Some(key(Kind::Table, table)),
            Body::Grant {
                on: format!("TABLE {table}"),
                columns: vec![],
                grantee: "PUBLIC".into(),
                privileges: privileges.iter().map(|p| p.to_string()).collect(),
                grantable: BTreeSet::new(),
            },
            &[],
        );
    }
}

pub fn function_text(name: &str, returns: &str, language: &str, body: &str) -> String {
    format!(
        "CREATE OR REPLACE FUNCTION {name}\n RETURNS {returns}\n LANGUAGE {language}\nAS $function$\
         {body}$function$\n"
    )
}
