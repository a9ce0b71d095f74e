//! One PostgreSQL session, used one statement after another, over tokio-postgres.
//!
//! Every command works step by step, so the calls block. Underneath, tokio-postgres can send
//! several statements before reading any answer ([`Session::pipeline`]): a migration's
//! `BEGIN`, lock and history check, script, history row and `COMMIT` go in one flight,
//! where waiting for each answer would cost a round trip per statement.

use std::time::Duration;

use tokio::runtime::Runtime;
use tokio::task::JoinHandle;
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Config, Socket};

pub use tokio_postgres::{Client, Error, Row, SimpleQueryMessage};

use crate::ident::quote_ident;

/// A bound parameter with its type, as `query_typed` takes them (no named statements, so
/// it also works through a transaction-mode pooler).
pub type Param<'a> = (&'a (dyn ToSql + Sync), Type);

pub struct Session {
    /// `None` only while the session closes.
    client: Option<Client>,
    /// The connection's task: it runs whenever a call waits on the runtime.
    connection: JoinHandle<()>,
    runtime: Runtime,
}

impl Session {
    /// Opens a session. The error is fit to show: it never holds the password.
    pub fn connect<T>(config: &Config, tls: T) -> std::result::Result<Session, String>
    where
        T: MakeTlsConnect<Socket> + 'static + Send,
        T::TlsConnect: Send,
        T::Stream: Send,
        <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the connection's runtime: {e}"))?;
        let (client, connection) = runtime
            .block_on(config.connect(tls))
            .map_err(|e| crate::db::driver_error::describe(&e))?;
        let connection = runtime.spawn(async move {
            // Its errors reach the caller through the request that was waiting.
            let _ = connection.await;
        });
        Ok(Session {
            client: Some(client),
            connection,
            runtime,
        })
    }

    fn client(&self) -> &Client {
        self.client
            .as_ref()
            .expect("a session has its client until it is dropped")
    }

    /// Runs `work` on the client and waits for it. Statements that `work` starts together
    /// (with `tokio::join!(biased; ...)`) go to the server in one flight, in the order they
    /// are written, and the server runs them in that order.
    pub fn pipeline<T>(&mut self, work: impl AsyncFnOnce(&Client) -> T) -> T {
        self.runtime.block_on(work(self.client()))
    }

    /// Starts a transaction; it rolls back when dropped without `commit`.
    pub fn transaction(&mut self) -> Result<Transaction<'_>, Error> {
        self.batch_execute("BEGIN")?;
        Ok(Transaction {
            session: self,
            savepoint: None,
            open: true,
        })
    }

    /// Takes charge of the transaction the caller began with a `BEGIN` of its own (sent in
    /// a flight with other statements).
    pub fn adopt_transaction(&mut self) -> Transaction<'_> {
        Transaction {
            session: self,
            savepoint: None,
            open: true,
        }
    }

    /// False once the server or the network ended the session.
    pub fn is_closed(&self) -> bool {
        self.client().is_closed()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Dropping the client tells the connection to say goodbye (Terminate); give it the
        // moment it needs to write that, so the server sees a clean end, not a lost client.
        // A server that stopped reading does not get to hold the process.
        drop(self.client.take());
        let connection = &mut self.connection;
        // The timer must be made inside the runtime.
        let _ = self.runtime.block_on(async move {
            tokio::time::timeout(Duration::from_secs(1), connection).await
        });
    }
}

/// An open transaction (or, nested, a savepoint).
pub struct Transaction<'a> {
    session: &'a mut Session,
    /// The quoted savepoint name when nested.
    savepoint: Option<String>,
    open: bool,
}

impl Transaction<'_> {
    pub fn commit(self) -> Result<(), Error> {
        self.commit_after(async |_| ()).1
    }

    /// Runs `work`, then commits, in one flight. When `work` fails, the transaction is
    /// aborted and PostgreSQL turns the `COMMIT` into a rollback: `work`'s own result says so.
    pub fn commit_after<T>(
        mut self,
        work: impl AsyncFnOnce(&Client) -> T,
    ) -> (T, Result<(), Error>) {
        self.open = false;
        let commit = match &self.savepoint {
            Some(name) => format!("RELEASE SAVEPOINT {name}"),
            None => "COMMIT".to_string(),
        };
        self.session.pipeline(
            async |client| tokio::join!(biased; work(client), client.batch_execute(&commit)),
        )
    }

    pub fn rollback(mut self) -> Result<(), Error> {
        self.open = false;
        let sql = self.rollback_sql();
        self.session.batch_execute(&sql)
    }

    /// A savepoint inside this transaction: it rolls back to where it began when dropped.
    pub fn savepoint(&mut self, name: &str) -> Result<Transaction<'_>, Error> {
        let name = quote_ident(name);
        self.session.batch_execute(&format!("SAVEPOINT {name}"))?;
        Ok(Transaction {
            session: self.session,
            savepoint: Some(name),
            open: true,
        })
    }

    fn rollback_sql(&self) -> String {
        match &self.savepoint {
            Some(name) => format!("ROLLBACK TO SAVEPOINT {name}"),
            None => "ROLLBACK".to_string(),
        }
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.open {
            // A broken connection has no transaction left to end.
            let sql = self.rollback_sql();
            let _ = self.session.batch_execute(&sql);
        }
    }
}

/// What statements can run on: a session, or a transaction on one.
pub trait Sql {
    fn session(&mut self) -> &mut Session;

    /// See [`Session::pipeline`].
    fn pipeline<T>(&mut self, work: impl AsyncFnOnce(&Client) -> T) -> T {
        self.session().pipeline(work)
    }

    fn batch_execute(&mut self, sql: &str) -> Result<(), Error> {
        self.pipeline(async |c| c.batch_execute(sql).await)
    }

    fn simple_query(&mut self, sql: &str) -> Result<Vec<SimpleQueryMessage>, Error> {
        self.pipeline(async |c| c.simple_query(sql).await)
    }

    fn query_typed(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, Error> {
        self.pipeline(async |c| c.query_typed(sql, params).await)
    }

    /// Fails unless exactly one row comes back.
    fn query_typed_one(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Row, Error> {
        self.pipeline(async |c| c.query_typed_one(sql, params).await)
    }

    /// Fails when more than one row comes back.
    fn query_typed_opt(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Option<Row>, Error> {
        self.pipeline(async |c| c.query_typed_opt(sql, params).await)
    }
}

impl Sql for Session {
    fn session(&mut self) -> &mut Session {
        self
    }
}

impl Sql for Transaction<'_> {
    fn session(&mut self) -> &mut Session {
        self.session
    }
}
