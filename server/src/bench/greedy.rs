//! Greedy drivers: scripts, not thumbs. Each signed-in greedy driver asks, one request after
//! another and as fast as the answers come back, for what would cost the exchange a call if
//! nothing guarded it (a city prefix nobody typed, a card id no list showed) and guesses codes of
//! a promo campaign whose prefix it knows. Their answers are counted apart from the ordinary
//! drivers'; the upstream calls they caused are read from Hauler's own ledger by the caller.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use app::subscription::PromoBenefit;
use domain::{database, promo};
use futures_util::future::join_all;

use super::{drivers::Habits, sign_in};

/// The campaign the bench creates; the greedy drivers know its prefix and its codes' shape.
const CAMPAIGN_PREFIX: &str = "BENCH";

/// Codes in that campaign: the more there are, the likelier a blind guess.
const CAMPAIGN_CODES: usize = 1000;

/// The characters a promo code's random part may hold.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

const CYRILLIC: &[char] = &[
    'а', 'б', 'в', 'г', 'д', 'е', 'ж', 'з', 'и', 'к', 'л', 'м', 'н', 'о', 'п', 'р', 'с', 'т', 'у',
    'ф', 'х', 'ц', 'ч', 'ш', 'э', 'ю', 'я',
];

#[derive(Debug, Default, Clone)]
pub struct GreedyFigures {
    pub drivers: usize,
    pub requests: u64,
    /// Answers refused as over a limit (`429`), of every kind.
    pub refused: u64,
    pub promo_guesses: u64,
    /// Guesses the server answered as a code that exists.
    pub promo_guesses_accepted: u64,
}

/// A campaign of free-day codes made as an admin makes them; answers the shape of its codes,
/// `X` for each random character (what a driver who holds one code knows of the others).
pub async fn seed_campaign(sqlite: &Path) -> String {
    let db = database::connect(&format!("sqlite://{}?mode=rwc", sqlite.display()))
        .await
        .expect("the bench's database opens");
    let mut shape = String::new();
    for _ in 0..CAMPAIGN_CODES {
        let code = promo::random_code(CAMPAIGN_PREFIX);
        shape = code_shape(&code);
        promo::create(
            &db,
            promo::NewPromoCode {
                code,
                benefit: PromoBenefit::FreeDays(3),
                valid_from: None,
                valid_until: None,
                max_uses: Some(1),
                campaign: Some("bench".to_owned()),
                created_by: "bench".to_owned(),
            },
        )
        .await
        .expect("a campaign code is created");
    }
    shape
}

fn code_shape(code: &str) -> String {
    let (prefix, random) = code.split_at(CAMPAIGN_PREFIX.len());
    let random: String = random
        .chars()
        .map(|c| if c == '-' { c } else { 'X' })
        .collect();
    format!("{prefix}{random}")
}

/// Runs one greedy script per signed-in driver until `duration` has passed. `first` is the
/// first greedy driver's number among all the bench's drivers (for its address).
pub async fn run(
    base: &str,
    sessions: &[String],
    first: usize,
    duration: Duration,
    code_shape: &str,
) -> GreedyFigures {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + duration;
    let scripts = sessions.iter().enumerate().map(|(n, session)| {
        let script = Script {
            http: &http,
            base,
            session,
            address: sign_in::address(first + n),
            code_shape,
        };
        script.run(deadline, Habits::seeded(0x0BAD_5EED ^ n as u64))
    });
    let mut total = GreedyFigures {
        drivers: sessions.len(),
        ..GreedyFigures::default()
    };
    for figures in join_all(scripts).await {
        total.requests += figures.requests;
        total.refused += figures.refused;
        total.promo_guesses += figures.promo_guesses;
        total.promo_guesses_accepted += figures.promo_guesses_accepted;
    }
    total
}

struct Script<'a> {
    http: &'a reqwest::Client,
    base: &'a str,
    session: &'a str,
    address: String,
    code_shape: &'a str,
}

impl Script<'_> {
    async fn run(self, deadline: Instant, mut habits: Habits) -> GreedyFigures {
        let base = self.base;
        let mut figures = GreedyFigures::default();
        let mut turn = 0u64;
        while Instant::now() < deadline {
            turn += 1;
            let guessing = turn.is_multiple_of(3);
            let request = match turn % 3 {
                1 => self
                    .http
                    .get(format!("{base}/api/v1/cities?q={}", prefix(&mut habits))),
                2 => self.http.get(format!(
                    "{base}/api/v1/cargos/{}",
                    1 + habits.below(1_000_000_000)
                )),
                _ => self
                    .http
                    .post(format!("{base}/api/v1/promo/check"))
                    .json(&serde_json::json!({ "code": guess(&mut habits, self.code_shape) })),
            };
            figures.requests += 1;
            figures.promo_guesses += u64::from(guessing);
            let answer = request
                .bearer_auth(self.session)
                .header("x-forwarded-for", &self.address)
                .send()
                .await;
            match answer.map(|response| response.status().as_u16()) {
                Ok(429) => figures.refused += 1,
                Ok(200) if guessing => figures.promo_guesses_accepted += 1,
                Ok(_) => {}
                // No answer: a script does not give up, it only pauses for breath.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
        figures
    }
}

fn prefix(habits: &mut Habits) -> String {
    let letters = 2 + habits.below(3);
    (0..letters)
        .map(|_| CYRILLIC[habits.below(CYRILLIC.len() as u64) as usize])
        .collect()
}

/// A code of the campaign's shape with every `X` a random character.
fn guess(habits: &mut Habits, shape: &str) -> String {
    shape
        .chars()
        .map(|c| {
            if c == 'X' {
                CODE_ALPHABET[habits.below(CODE_ALPHABET.len() as u64) as usize] as char
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guess_has_the_shape_of_the_campaigns_codes() {
        let shape = code_shape(&promo::random_code(CAMPAIGN_PREFIX));
        let code = guess(&mut Habits::seeded(7), &shape);
        assert_eq!(code.len(), shape.len());
        assert!(code.starts_with(CAMPAIGN_PREFIX), "{code}");
        assert!(app::subscription::is_valid_promo_code(&code), "{code}");
    }
}
