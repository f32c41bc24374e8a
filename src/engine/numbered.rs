//! A statement whose `$n` are numbered parameters, bound in the order they
//! appear (so a number may appear more than once), for both backends.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text};
use diesel::sqlite::Sqlite;

use crate::records::Param;

pub(super) struct Numbered<'a> {
    pub sql: &'a str,
    pub params: &'a [Param<'a>],
    /// Keep it prepared for the session's life: Diesel caches a statement
    /// by its text (a `sql_query` is parsed and planned again every time).
    pub cache: bool,
}

impl QueryId for Numbered<'_> {
    type QueryId = ();
    // The text, not the type, identifies the statement in Diesel's cache.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C> RunQueryDsl<C> for Numbered<'_> {}

impl Numbered<'_> {
    /// Walks the text, handing each `$n`'s parameter to `bind`.
    fn walk<'b, DB: diesel::backend::Backend>(
        &'b self,
        out: &mut AstPass<'_, 'b, DB>,
        mut bind: impl FnMut(&mut AstPass<'_, 'b, DB>, &'b Param<'b>) -> QueryResult<()>,
    ) -> QueryResult<()> {
        if !self.cache {
            out.unsafe_to_cache_prepared();
        }
        let mut rest = self.sql;
        while let Some(at) = rest.find('$') {
            out.push_sql(&rest[..at]);
            let digits = rest[at + 1..]
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len() - at - 1);
            let param = rest[at + 1..at + 1 + digits]
                .parse::<usize>()
                .ok()
                .and_then(|n| self.params.get(n.wrapping_sub(1)))
                .ok_or_else(|| {
                    diesel::result::Error::QueryBuilderError(
                        format!(
                            "no parameter for `{}` in {}",
                            &rest[at..=at + digits],
                            self.sql
                        )
                        .into(),
                    )
                })?;
            bind(out, param)?;
            rest = &rest[at + 1 + digits..];
        }
        out.push_sql(rest);
        Ok(())
    }
}

impl QueryFragment<Pg> for Numbered<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.walk(&mut out, |out, param| match param {
            Param::Text(v) => out.push_bind_param::<Text, _>(v),
            Param::OptText(v) => out.push_bind_param::<Nullable<Text>, _>(v),
            Param::Bool(v) => out.push_bind_param::<Bool, _>(v),
            Param::OptBigInt(v) => out.push_bind_param::<Nullable<BigInt>, _>(v),
            Param::Texts(v) => out.push_bind_param::<Array<Text>, _>(v),
            Param::OptTexts(v) => out.push_bind_param::<Array<Nullable<Text>>, _>(v),
            Param::Bools(v) => out.push_bind_param::<Array<Bool>, _>(v),
            Param::OptBigInts(v) => out.push_bind_param::<Array<Nullable<BigInt>>, _>(v),
        })
    }
}

impl QueryFragment<Sqlite> for Numbered<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.walk(&mut out, |out, param| match param {
            Param::Text(v) => out.push_bind_param::<Text, _>(v),
            Param::OptText(v) => out.push_bind_param::<Nullable<Text>, _>(v),
            Param::Bool(v) => out.push_bind_param::<Bool, _>(v),
            Param::OptBigInt(v) => out.push_bind_param::<Nullable<BigInt>, _>(v),
            Param::Texts(_) | Param::OptTexts(_) | Param::Bools(_) | Param::OptBigInts(_) => Err(
                diesel::result::Error::QueryBuilderError("SQLite binds no arrays".into()),
            ),
        })
    }
}
