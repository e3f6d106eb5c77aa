//! What the plans and promo codes page and its API speak.
