//! Who may use the cabinet. A browser signs in once — with a pass's token, or a one-time link the
//! Mini App made — and gets a session cookie of its own (the pass's token never sits in a
//! cookie). Each request is then admitted by that cookie, or by the pass's token itself in
//! `X-Access-Token` (or `?token=` for a WebSocket, where a browser cannot set headers). The pass
//! is checked every time in two levels (the store, then the database), so a revoked or expired
//! pass stops working within a second.

use chrono::{DateTime, Utc};
use domain::{
    DriverId,
    cabinet::{
        passes::{self, LivePass, PassToken},
        sessions::{self, BrowserSession},
    },
};

use super::{Cabinet, CabinetError};
use app::cabinet::{LoginLink, PassState};

/// What a request presents.
#[derive(Debug, Clone, Copy)]
pub enum Credential<'a> {
    /// The session cookie a sign-in set.
    Cookie(&'a str),
    /// The pass's own token.
    Token(&'a str),
}

/// A request's pass, admitted, and the audited session it counts in.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub session_id: i64,
    pub pass: LivePass,
    /// The pass token's hash: what later checks (a WebSocket's) look the pass up by.
    pass_hash: String,
}

/// A browser signed in: the cookie's value and whose pass it is.
pub struct SignedIn {
    pub cookie: String,
    pub session: BrowserSession,
}

impl Cabinet {
    /// Admits a request by its credential, or says why not.
    pub async fn admit(
        &self,
        credential: Option<Credential<'_>>,
        client_addr: Option<&str>,
    ) -> Result<Visitor, CabinetError> {
        let db = &self.inner.db;
        let store = &self.inner.store;
        match credential.ok_or(CabinetError::NoPass)? {
            Credential::Cookie(cookie) => {
                let session = sessions::find(store, cookie)
                    .await
                    .ok_or(CabinetError::PassInvalid)?;
                let pass = passes::check(db, store, &session.pass_hash)
                    .await?
                    .filter(|pass| pass.pass_id == session.pass_id)
                    .ok_or(CabinetError::PassInvalid)?;
                Ok(Visitor {
                    session_id: session.session_id,
                    pass,
                    pass_hash: session.pass_hash,
                })
            }
            Credential::Token(token) => {
                let hash = PassToken::parse(token)
                    .ok_or(CabinetError::PassInvalid)?
                    .hash();
                let pass = passes::check(db, store, &hash)
                    .await?
                    .ok_or(CabinetError::PassInvalid)?;
                let session_id = sessions::for_token(db, store, &pass, client_addr).await?;
                Ok(Visitor {
                    session_id,
                    pass,
                    pass_hash: hash,
                })
            }
        }
    }

    /// Whether the visitor's pass still opens the cabinet (asked again while a WebSocket lives).
    pub async fn still_admitted(&self, visitor: &Visitor) -> bool {
        matches!(
            passes::check(&self.inner.db, &self.inner.store, &visitor.pass_hash).await,
            Ok(Some(pass)) if pass.pass_id == visitor.pass.pass_id && pass.expires_at > Utc::now()
        )
    }

    /// Signs a browser in with a pass's token.
    pub async fn authenticate(
        &self,
        token: &str,
        client_addr: Option<&str>,
    ) -> Result<SignedIn, CabinetError> {
        let hash = PassToken::parse(token.trim())
            .ok_or(CabinetError::PassInvalid)?
            .hash();
        self.sign_in(&hash, client_addr).await
    }

    async fn sign_in(
        &self,
        pass_hash: &str,
        client_addr: Option<&str>,
    ) -> Result<SignedIn, CabinetError> {
        let db = &self.inner.db;
        let store = &self.inner.store;
        let pass = passes::check(db, store, pass_hash)
            .await?
            .ok_or(CabinetError::PassInvalid)?;
        let issued = sessions::open(db, store, &pass, pass_hash, client_addr).await?;
        Ok(SignedIn {
            cookie: issued.token,
            session: issued.session,
        })
    }

    /// The browser session behind a cookie, while its pass is live.
    pub async fn status(&self, cookie: Option<&str>) -> Result<BrowserSession, CabinetError> {
        let cookie = cookie.ok_or(CabinetError::NoPass)?;
        let visitor = self.admit(Some(Credential::Cookie(cookie)), None).await?;
        let mut session = sessions::find(&self.inner.store, cookie)
            .await
            .ok_or(CabinetError::PassInvalid)?;
        session.expires_at = visitor.pass.expires_at;
        Ok(session)
    }

    pub async fn sign_out(&self, cookie: &str) {
        sessions::close(&self.inner.store, cookie).await;
    }

    /// A one-time link that signs another browser in with one of the driver's live passes.
    pub async fn login_link(
        &self,
        driver_id: DriverId,
        pass_id: i64,
    ) -> Result<LoginLink, CabinetError> {
        let pass = passes::by_id(&self.inner.db, pass_id)
            .await?
            .filter(|pass| pass.driver_id == driver_id)
            .ok_or(CabinetError::PassNotFound)?;
        if passes::state(&pass, Utc::now()) != PassState::Active {
            return Err(CabinetError::PassNotActive);
        }
        let ttl = self.inner.link_ttl;
        let code = sessions::issue_link(&self.inner.store, &pass.token_hash, ttl).await;
        let expires_at: DateTime<Utc> =
            Utc::now() + chrono::Duration::from_std(ttl).unwrap_or_default();
        Ok(LoginLink {
            url: format!("{}/cabinet-login/{code}", self.inner.public_url),
            expires_at: expires_at.to_rfc3339(),
        })
    }

    /// Signs a browser in with a one-time link's code (once).
    pub async fn redeem_link(
        &self,
        code: &str,
        client_addr: Option<&str>,
    ) -> Result<SignedIn, CabinetError> {
        let hash = sessions::take_link(&self.inner.store, code)
            .await
            .ok_or(CabinetError::LinkInvalid)?;
        self.sign_in(&hash, client_addr).await
    }
}
