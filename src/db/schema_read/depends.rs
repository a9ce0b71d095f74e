//! What each object references, from `pg_depend`, as keys of the objects read.
//!
//! Both ends of a dependency are turned into the object read that stands for them (see
//! `Found::at`); one that is not read (a system object, another schema's) is dropped.
//! Normal and automatic dependencies, and the internal ones between objects read (most of
//! those are an object and its own parts, which come to the same key and are dropped).

use super::{Address, Found};
use crate::db::session::Sql;
use crate::error::{Error, Result};
use crate::schema_diff::model::Kind;

pub(super) fn read(client: &mut impl Sql, found: &mut Found) -> Result<()> {
    // Objects made by initdb have oids below 16384 (FirstNormalObjectId): none is read.
    let rows = client
        .query_typed(
            "SELECT d.classid::regclass::text AS catalog, d.objid, d.objsubid,
                    d.refclassid::regclass::text AS ref_catalog, d.refobjid, d.refobjsubid
             FROM pg_depend d WHERE d.deptype IN ('n', 'a', 'i') AND d.objid >= 16384",
            &[],
        )
        .map_err(Error::db("reading the dependencies of the schema"))?;
    for row in rows {
        let catalog: String = row.get("catalog");
        let ref_catalog: String = row.get("ref_catalog");
        let from = Address::new(&catalog, row.get("objid"), row.get("objsubid"));
        let to = Address::new(&ref_catalog, row.get("refobjid"), row.get("refobjsubid"));
        let (Some(from), Some(to)) = (found.at(&from).cloned(), found.at(&to).cloned()) else {
            continue;
        };
        let Some(object) = found.schema.get(&from) else {
            continue;
        };
        // A sequence owned by a column: `owned_by` says so, and the column's default
        // depends on the sequence.
        if from.kind == Kind::Sequence && to.kind == Kind::Column {
            continue;
        }
        // What references a column references its table.
        let table = match found.schema.get(&to).map(|o| &o.owner) {
            Some(Some(table)) if to.kind == Kind::Column => Some(table.clone()),
            _ => None,
        };
        let owner = object.owner.clone();
        let mut references = vec![to];
        references.extend(table);
        references.retain(|to| *to != from && Some(to) != owner.as_ref());
        if let Some(object) = found.schema.objects.get_mut(&from) {
            object.depends_on.extend(references);
        }
    }
    // A grant or publication may name what was not read (a column of a view).
    let keys: Vec<_> = found.schema.objects.keys().cloned().collect();
    for object in found.schema.objects.values_mut() {
        object
            .depends_on
            .retain(|key| keys.binary_search(key).is_ok());
    }
    Ok(())
}
