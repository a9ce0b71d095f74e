//! A database's schema as the generator sees it: every object with what makes it, what it
//! belongs to and what it references. Read from the catalog by `db::schema_read`, compared
//! by this module's planner. Pure data: names are already quoted SQL (`public."Users"`),
//! definitions already the SQL PostgreSQL prints for them (`pg_get_indexdef`, ...).

use std::collections::{BTreeMap, BTreeSet};

/// What kind of object: decides how it is made, changed and dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Schema,
    Extension,
    /// Enum, domain and composite types.
    Type,
    Collation,
    Sequence,
    Table,
    Column,
    Constraint,
    Index,
    View,
    MaterializedView,
    /// Functions and procedures.
    Function,
    Trigger,
    Policy,
    Grant,
    Comment,
    Publication,
    /// `ALTER DEFAULT PRIVILEGES`: what objects a role makes later are granted.
    DefaultPrivilege,
}

impl Kind {
    /// The word the generated SQL and the messages use.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Schema => "schema",
            Kind::Extension => "extension",
            Kind::Type => "type",
            Kind::Collation => "collation",
            Kind::Sequence => "sequence",
            Kind::Table => "table",
            Kind::Column => "column",
            Kind::Constraint => "constraint",
            Kind::Index => "index",
            Kind::View => "view",
            Kind::MaterializedView => "materialized view",
            Kind::Function => "function",
            Kind::Trigger => "trigger",
            Kind::Policy => "policy",
            Kind::Grant => "grant",
            Kind::Comment => "comment",
            Kind::Publication => "publication",
            Kind::DefaultPrivilege => "default privileges",
        }
    }
}

/// One object's identity: its kind and its name, unique within the kind.
///
/// Names, all with quoted identifiers as SQL takes them:
/// - schema `auth`, extension `pgcrypto`, publication `supabase_realtime`;
/// - type, collation, sequence, table, view, materialized view: `public.users`;
/// - column: `public.users.email`;
/// - constraint, trigger, policy: `public.users users_pkey` (table, space, name);
/// - index: `public.users_email_idx` (indexes share the schema's namespace);
/// - function: `public.touch(integer, text)` (identity arguments);
/// - grant: `TABLE public.users TO authenticated` (the object as GRANT names it, and the
///   grantee, `PUBLIC` for everyone); column grants `TABLE public.users (email) TO anon`;
/// - comment: `COLUMN public.users.email` (the object as COMMENT ON names it);
/// - default privileges: `FOR ROLE postgres IN SCHEMA public ON FUNCTIONS TO anon` (no
///   `IN SCHEMA` for every schema).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub kind: Kind,
    pub name: String,
}

impl Key {
    pub fn new(kind: Kind, name: impl Into<String>) -> Key {
        Key {
            kind,
            name: name.into(),
        }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind.word(), self.name)
    }
}

/// An object of the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub key: Key,
    /// The object it belongs to and goes with: a column's, constraint's, index's, trigger's
    /// or policy's table; a grant's or comment's object. `None` for the others.
    pub owner: Option<Key>,
    pub body: Body,
    /// What it references, from `pg_depend` (and, for a function, nothing: bodies are not
    /// tracked): those are made before it and dropped after it. Only keys of this schema.
    pub depends_on: BTreeSet<Key>,
}

/// How a column gets its values from an identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    Always,
    ByDefault,
}

/// The kinds of table constraints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    PrimaryKey,
    Unique,
    ForeignKey,
    Check,
    Exclusion,
    /// `NOT NULL` is a column's, not a constraint: never here. Constraint triggers are
    /// triggers.
    Other,
}

/// What a policy applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyCommand {
    All,
    Select,
    Insert,
    Update,
    Delete,
}

/// What makes an object, per kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Schema,
    Extension {
        /// The schema it was created in (quoted).
        schema: String,
    },
    Enum {
        /// In their sort order.
        labels: Vec<String>,
    },
    /// `CREATE DOMAIN ...` whole: base type, default, NOT NULL and checks.
    Domain {
        create: String,
    },
    /// `CREATE TYPE ... AS (...)` whole.
    Composite {
        create: String,
    },
    /// `CREATE COLLATION ... (provider = .., locale = .., deterministic = ..)` whole.
    Collation {
        create: String,
    },
    /// `CREATE SEQUENCE ...` whole, with its options (`AS bigint START 1 ...`). A sequence
    /// an identity column owns is not an object of its own: the column makes it.
    Sequence {
        create: String,
        /// `OWNED BY` this column (`public.users.id`), set once the column exists.
        owned_by: Option<String>,
    },
    Table {
        /// `PARTITION BY ...` (`pg_get_partkeydef`) for a partitioned table.
        partition_by: Option<String>,
        /// The parent (quoted) and the bound (`FOR VALUES ...`) of a partition.
        partition_of: Option<(String, String)>,
        unlogged: bool,
        row_security: bool,
        force_row_security: bool,
    },
    Column {
        /// The table (quoted, `public.users`) and the column's own name (quoted).
        table: String,
        column: String,
        /// `format_type`: `character varying(80)`, `public.mood`, `integer[]`.
        data_type: String,
        /// A collation other than the type's default (quoted), or none.
        collation: Option<String>,
        not_null: bool,
        /// The default expression, not for identity or generated columns.
        default: Option<String>,
        identity: Option<Identity>,
        /// The identity's sequence (quoted, qualified) where it is not the one PostgreSQL
        /// would name (`public.t_id_seq`): kept by a table renamed since, say.
        identity_sequence: Option<String>,
        /// `GENERATED ALWAYS AS (expr) STORED`: the expression.
        generated: Option<String>,
        /// The position in the table, for `CREATE TABLE`'s column order.
        position: i16,
    },
    Constraint {
        table: String,
        constraint: ConstraintKind,
        /// `pg_get_constraintdef`: `PRIMARY KEY (id)`, `FOREIGN KEY (a) REFERENCES ...`.
        definition: String,
        /// False for one added `NOT VALID` and not validated since.
        validated: bool,
    },
    Index {
        table: String,
        /// `pg_get_indexdef`: `CREATE [UNIQUE] INDEX name ON table USING ...`.
        create: String,
    },
    View {
        /// `pg_get_viewdef`: the query.
        query: String,
        /// `WITH (...)` options (`security_invoker=true`), as `reloptions` prints them.
        options: Vec<String>,
    },
    MaterializedView {
        query: String,
    },
    Function {
        /// `pg_get_functiondef`: `CREATE OR REPLACE FUNCTION ...` whole.
        create: String,
        /// `pg_get_function_result`: changing it needs a drop; `None` for a procedure.
        returns: Option<String>,
        procedure: bool,
    },
    Trigger {
        table: String,
        /// `pg_get_triggerdef`.
        create: String,
    },
    Policy {
        table: String,
        policy: String,
        permissive: bool,
        command: PolicyCommand,
        /// Role names (quoted), sorted; `PUBLIC` for everyone.
        roles: Vec<String>,
        using: Option<String>,
        with_check: Option<String>,
    },
    Grant {
        /// As GRANT names the object: `TABLE public.users`, `SCHEMA app`, `SEQUENCE ...`,
        /// `FUNCTION public.f(integer)`, `TYPE public.mood`.
        on: String,
        /// Column grants: the columns (quoted); empty for the whole object.
        columns: Vec<String>,
        /// Quoted role, or `PUBLIC`.
        grantee: String,
        /// Sorted keywords: `SELECT`, `INSERT`, ..., `EXECUTE`, `USAGE`.
        privileges: BTreeSet<String>,
        /// Of those, the ones granted `WITH GRANT OPTION`.
        grantable: BTreeSet<String>,
    },
    Comment {
        /// As COMMENT ON names the object: `TABLE public.users`, `COLUMN public.users.email`,
        /// `FUNCTION public.f(integer)`, `POLICY "p" ON public.users`.
        on: String,
        text: String,
    },
    /// What `ALTER DEFAULT PRIVILEGES` gives `grantee` on the objects `role` makes later.
    DefaultPrivilege {
        /// `FOR ROLE`, quoted.
        role: String,
        /// `IN SCHEMA`, quoted; `None` for every schema.
        schema: Option<String>,
        on: DefaultObjects,
        /// Quoted role, or `PUBLIC`.
        grantee: String,
        /// Sorted keywords, as for [`Body::Grant`].
        privileges: BTreeSet<String>,
        grantable: BTreeSet<String>,
    },
    Publication {
        all_tables: bool,
        /// Quoted table names, sorted.
        tables: BTreeSet<String>,
        /// `publish` option: `insert, update, delete, truncate`.
        publish: String,
    },
}

/// The kinds of objects default privileges are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DefaultObjects {
    Tables,
    Sequences,
    Functions,
    Types,
    Schemas,
}

impl DefaultObjects {
    /// As `ALTER DEFAULT PRIVILEGES ... ON` names them.
    pub fn word(self) -> &'static str {
        match self {
            DefaultObjects::Tables => "TABLES",
            DefaultObjects::Sequences => "SEQUENCES",
            DefaultObjects::Functions => "FUNCTIONS",
            DefaultObjects::Types => "TYPES",
            DefaultObjects::Schemas => "SCHEMAS",
        }
    }
}

/// A whole schema: every object by its key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    pub objects: BTreeMap<Key, Object>,
    /// The role the objects a migration makes will belong to (the session's `current_user`
    /// when read): the default privileges `FOR ROLE` it are what they get on creation.
    pub creator: Option<String>,
}

impl Schema {
    pub fn get(&self, key: &Key) -> Option<&Object> {
        self.objects.get(key)
    }

    pub fn insert(&mut self, object: Object) {
        self.objects.insert(object.key.clone(), object);
    }

    /// The objects `owner` owns (a table's columns, constraints, ...).
    pub fn owned_by<'a>(&'a self, owner: &'a Key) -> impl Iterator<Item = &'a Object> + 'a {
        self.objects
            .values()
            .filter(move |o| o.owner.as_ref() == Some(owner))
    }
}
