//! A party of the run (Hauler, an exchange) on a runtime of its own, as if on a machine of its
//! own: the simulated drivers' thousands of tasks never queue in front of the server's, so the
//! server's own timings are the server's. The threads still share the cores with the drivers.

use tokio::runtime::{Builder, Runtime};

pub struct Machine(Option<Runtime>);

impl Machine {
    pub fn new(name: &str, threads: usize) -> Self {
        let runtime = Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name(name)
            .enable_all()
            .build()
            .expect("a runtime for the bench");
        Self(Some(runtime))
    }

    /// Runs `work` on this machine (whatever it spawns stays here) and waits for its answer.
    pub async fn run<F>(&self, work: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let runtime = self.0.as_ref().expect("the machine is running");
        runtime.spawn(work).await.expect("the machine's work ran")
    }
}

impl Drop for Machine {
    /// Switched off without waiting: its servers never finish on their own.
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}
