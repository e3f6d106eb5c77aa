//! The driver's access to loads, shared by the board (which asks for loads only while access is
//! active) and the paywall (which starts it). It begins as the sign-in said, and changes when the
//! driver pays, starts the trial or redeems a code, or when the server answers `402`.

use leptos::prelude::*;

use crate::{
    api::Api,
    session::{ApiErrorBody, SignIn},
    subscription::Access,
};

#[derive(Clone, Copy)]
pub struct DriverAccess {
    /// The signed-in driver's client, whatever their access (the paywall needs it too).
    pub api: Memo<Option<Api>>,
    current: Memo<Option<Access>>,
    /// What the app has learnt since the sign-in.
    learnt: RwSignal<Option<Access>>,
}

pub fn provide_access(sign_in: RwSignal<SignIn>) -> DriverAccess {
    let learnt = RwSignal::new(None::<Access>);
    let api = Memo::new(move |_| {
        sign_in.with(|state| match state {
            SignIn::Done(signed_in) => Some(Api::new(signed_in.token.clone())),
            _ => None,
        })
    });
    let current = Memo::new(move |_| {
        sign_in.with(|state| match state {
            SignIn::Done(signed_in) => {
                Some(learnt.get().unwrap_or_else(|| signed_in.access.clone()))
            }
            _ => None,
        })
    });
    let access = DriverAccess {
        api,
        current,
        learnt,
    };
    provide_context(access);
    access
}

pub fn use_access() -> DriverAccess {
    expect_context::<DriverAccess>()
}

impl DriverAccess {
    /// `None` until the driver is signed in.
    pub fn get(&self) -> Option<Access> {
        self.current.get()
    }

    pub fn active(&self) -> bool {
        self.current
            .with(|access| access.as_ref().is_some_and(|access| access.active))
    }

    /// [`Self::active`], read outside the page's reactive graph.
    pub fn active_untracked(&self) -> bool {
        self.current
            .with_untracked(|access| access.as_ref().is_some_and(|access| access.active))
    }

    /// Signed in, without access: the paywall's turn.
    pub fn locked(&self) -> bool {
        self.current
            .with(|access| access.as_ref().is_some_and(|access| !access.active))
    }

    /// Access began (or was extended).
    pub fn begin(&self, access: Access) {
        self.learnt.set(Some(access));
    }

    /// Notices the server's `402`: access ran out while the app was open. Says whether it was that.
    pub fn ran_out(&self, error: &ApiErrorBody) -> bool {
        let ran_out = error.code == "subscription_required";
        if ran_out {
            self.learnt.set(Some(Access::default()));
        }
        ran_out
    }
}

/// `2026-12-23T10:00:00Z` → `23.12.2026`, the day on the driver's clock.
pub fn format_day(iso: &str) -> String {
    #[cfg(feature = "browser")]
    {
        let date = js_sys::Date::new(&iso.into());
        if !date.get_time().is_nan() {
            return format!(
                "{:02}.{:02}.{}",
                date.get_date(),
                date.get_month() + 1,
                date.get_full_year()
            );
        }
    }
    let mut parts = iso.get(..10).unwrap_or(iso).splitn(3, '-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(year), Some(month), Some(day)) => format!("{day}.{month}.{year}"),
        _ => iso.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_reads_as_russians_write_it() {
        assert_eq!(format_day("2026-12-23T10:00:00Z"), "23.12.2026");
        assert_eq!(format_day("2026-01-05"), "05.01.2026");
        assert_eq!(format_day("soon"), "soon");
    }
}
