//! New loads arriving while the list is open, over server-sent events: the server's detector
//! pushes them, the board puts them on top. The browser's `EventSource` reconnects by itself and
//! tells the server the last event it saw, so nothing is missed.

use leptos::prelude::*;

use super::Board;
use crate::api::Api;

pub fn follow_new_loads(board: Board, api: Memo<Option<Api>>) {
    #[cfg(feature = "browser")]
    {
        use wasm_bindgen::{JsCast, closure::Closure};

        use crate::{
            api::{encode, from_json, query_string},
            cargo::card::CargoCard,
        };

        type Listener = (
            web_sys::EventSource,
            Closure<dyn FnMut(web_sys::MessageEvent)>,
        );
        let current = StoredValue::new_local(None::<Listener>);
        let stop = move || {
            current.update_value(|listener| {
                if let Some((source, _)) = listener.take() {
                    source.close();
                }
            })
        };
        Effect::new(move |_| {
            let filter = board.filter.get();
            stop();
            let Some(api) = api.get() else { return };
            let url = format!(
                "/api/v1/live?access_token={}&{}",
                encode(api.token()),
                query_string(&filter.api_query(0, super::PAGE_SIZE))
            );
            let Ok(source) = web_sys::EventSource::new(&url) else {
                return;
            };
            let on_load = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |event: web_sys::MessageEvent| {
                    if let Some(text) = event.data().as_string()
                        && let Ok(json) = js_sys::JSON::parse(&text)
                        && let Some(card) = from_json::<CargoCard>(json)
                    {
                        board.welcome(card);
                    }
                },
            );
            let _ = source
                .add_event_listener_with_callback("new_load", on_load.as_ref().unchecked_ref());
            current.set_value(Some((source, on_load)));
        });
        on_cleanup(stop);
    }
    #[cfg(not(feature = "browser"))]
    let _ = (board, api);
}
