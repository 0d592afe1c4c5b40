//! A thread of the store's own, fed by a channel: the group writer's and the checkpointer's.
//! Closing the channel ends the thread once it has taken what was sent before, and with it
//! the connection it owns.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use ferrodoor_core::store::{StoreError, StoreResult};

pub(crate) struct Worker<T> {
    /// None once closed.
    sender: Mutex<Option<Sender<T>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl<T: Send + 'static> Worker<T> {
    /// Starts thread `name` running `run` on the channel's receiving end.
    pub(crate) fn spawn(
        name: &str,
        run: impl FnOnce(Receiver<T>) + Send + 'static,
    ) -> StoreResult<Worker<T>> {
        let (sender, receiver) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || run(receiver))
            .map_err(|e| StoreError::Other(format!("cannot start the thread {name}: {e}")))?;
        Ok(Worker {
            sender: Mutex::new(Some(sender)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// False when closed (or the thread has ended).
    pub(crate) fn send(&self, message: T) -> bool {
        match locked(&self.sender).as_ref() {
            Some(sender) => sender.send(message).is_ok(),
            None => false,
        }
    }

    /// Closes the channel and blocks until the thread has ended.
    pub(crate) fn close(&self) {
        drop(locked(&self.sender).take());
        if let Some(thread) = locked(&self.thread).take() {
            let _ = thread.join();
        }
    }
}

/// The value behind `mutex`, also after a panic elsewhere (nothing here is left half-changed).
pub(crate) fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
