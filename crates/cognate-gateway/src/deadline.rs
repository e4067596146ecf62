//! A timer kept across the deadlines of one connection's exchanges.
//!
//! Setting a timer and clearing it again costs a trip through the runtime's
//! timer wheel each time; a connection whose requests each have a deadline
//! (the integration timeout, the header read timeout) would pay it per
//! request. A [`Deadline`] keeps one timer and moves it only when it would
//! fire too late for the deadline in question. When it fires early (it was
//! set for an earlier exchange), it is moved on to the deadline then: on a
//! kept-alive connection, whose deadlines only grow, that happens about once
//! per timeout's length, not once per request.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use tokio::time::{Instant, Sleep};

/// One connection's timer; see the [module docs](self).
#[derive(Default)]
pub(crate) struct Deadline {
    /// Made on first use.
    timer: Option<Pin<Box<Sleep>>>,
    /// The waker the armed timer will wake, once it has been polled since it
    /// was last set. While it is the caller's, a poll that finds the timer
    /// not yet fired has nothing to do: the timer's own poll (coop budget,
    /// waker registration) is skipped.
    waker: Option<Waker>,
}

impl Deadline {
    /// Ready once `deadline` has passed; otherwise the task is woken by then
    /// (and perhaps earlier, to be told again that it has not).
    pub(crate) fn poll_until(&mut self, cx: &mut Context<'_>, deadline: Instant) -> Poll<()> {
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if deadline < timer.deadline() {
            timer.as_mut().reset(deadline);
            self.waker = None;
        } else if !timer.is_elapsed()
            && self.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker()))
        {
            return Poll::Pending;
        }
        loop {
            if timer.as_mut().poll(cx).is_pending() {
                if !self.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    self.waker = Some(cx.waker().clone());
                }
                return Poll::Pending;
            }
            if timer.deadline() >= deadline {
                return Poll::Ready(());
            }
            timer.as_mut().reset(deadline);
            self.waker = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    async fn until(deadline: &mut Deadline, at: Instant) {
        std::future::poll_fn(|cx| deadline.poll_until(cx, at)).await;
    }

    #[tokio::test(start_paused = true)]
    async fn each_deadline_is_kept_whether_earlier_or_later_than_the_last() {
        let start = Instant::now();
        let mut deadline = Deadline::default();
        for ms in [100, 500, 300, 2_000, 50] {
            let at = Instant::now() + Duration::from_millis(ms);
            until(&mut deadline, at).await;
            assert_eq!(Instant::now(), at, "{ms} ms");
        }
        assert_eq!(start.elapsed(), Duration::from_millis(2_950));
    }

    /// A pooled connection's deadline is waited on by one request's task,
    /// then by another's: the timer wakes the one waiting now.
    #[tokio::test(start_paused = true)]
    async fn a_deadline_waited_on_from_another_task_wakes_that_task() {
        let at = Instant::now() + Duration::from_millis(100);
        let mut deadline = Deadline::default();
        let mut deadline = tokio::spawn(async move {
            std::future::poll_fn(|cx| {
                assert!(deadline.poll_until(cx, at).is_pending());
                Poll::Ready(())
            })
            .await;
            deadline
        })
        .await
        .expect("first task");
        let woken = tokio::spawn(async move {
            let waited = tokio::time::timeout(Duration::from_secs(1), until(&mut deadline, at));
            waited.await.map(|()| Instant::now())
        });
        assert_eq!(woken.await.expect("second task"), Ok(at));
    }

    #[tokio::test(start_paused = true)]
    async fn a_deadline_already_past_is_ready_at_once() {
        let mut deadline = Deadline::default();
        let at = Instant::now();
        tokio::time::advance(Duration::from_millis(10)).await;
        let before = Instant::now();
        until(&mut deadline, at).await;
        assert_eq!(Instant::now(), before);
    }
}
