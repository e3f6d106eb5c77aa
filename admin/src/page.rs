//! The dashboard's pages as places: their names in the menu's order and their addresses. Apart
//! from the pages themselves, so the texts can name a page without depending on its view.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Overview,
    Drivers,
    Payments,
    Promo,
    Flags,
    Settings,
    Connection,
    ServiceTokens,
    Audit,
    Admins,
    Security,
    ShipperReports,
    Cabinet,
}

impl Page {
    pub const ALL: [Page; 13] = [
        Page::Overview,
        Page::Drivers,
        Page::Payments,
        Page::Promo,
        Page::Flags,
        Page::ShipperReports,
        Page::Cabinet,
        Page::Settings,
        Page::Connection,
        Page::ServiceTokens,
        Page::Audit,
        Page::Admins,
        Page::Security,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Overview => "overview",
            Self::Drivers => "drivers",
            Self::Payments => "payments",
            Self::Promo => "promo",
            Self::Flags => "flags",
            Self::Settings => "settings",
            Self::Connection => "connection",
            Self::ServiceTokens => "service-tokens",
            Self::Audit => "audit",
            Self::Admins => "admins",
            Self::Security => "security",
            Self::ShipperReports => "shipper-reports",
            Self::Cabinet => "cabinet",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Self::Overview => "/admin",
            Self::Drivers => "/admin/drivers",
            Self::Payments => "/admin/payments",
            Self::Promo => "/admin/promo",
            Self::Flags => "/admin/flags",
            Self::Settings => "/admin/settings",
            Self::Connection => "/admin/connection",
            Self::ServiceTokens => "/admin/service-tokens",
            Self::Audit => "/admin/audit",
            Self::Admins => "/admin/admins",
            Self::Security => "/admin/security",
            Self::ShipperReports => "/admin/shipper-reports",
            Self::Cabinet => "/admin/cabinet",
        }
    }
}
