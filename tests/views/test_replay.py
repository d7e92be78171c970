"""A replay's clock and the runs as they stood at a step."""

import pytest

from bnviz.views import replay

FRAMES = (0, 1, 2, 5, 10, 20, 50, 100, 200, 300)


def test_default_speed_plays_any_recording_in_at_most_30_seconds_and_is_the_slowest_that_does():
    assert replay.default_speed(19) == 1  # 18 s at one frame a second
    assert replay.default_speed(37) == 2  # 36 frames to go: 36 s at 1x, 18 s at 2x
    assert replay.default_speed(110) == 5
    for frames in (2, 37, 110, 600, 2000):
        speed = replay.default_speed(frames)
        assert replay.seconds_to_play(frames, speed) <= replay.TARGET_SECONDS or speed == replay.SPEEDS[-1]
        smaller = [s for s in replay.SPEEDS if s < speed]
        assert not smaller or replay.seconds_to_play(frames, smaller[-1]) > replay.TARGET_SECONDS


def test_a_playing_clock_moves_at_its_speed_and_stops_at_the_last_frame():
    clock = replay.Clock(FRAMES, speed=2)
    assert not clock.playing and clock.step(100.0) == 0
    clock.play(now=100.0)
    assert [clock.step(100.0 + t) for t in (0, 0.49, 0.5, 1.0, 2.6)] == [0, 0, 1, 2, 20]
    assert not clock.finished(104.4) and clock.finished(104.5) and clock.step(1000.0) == 300
    assert clock.seconds_left(100.0) == pytest.approx(4.5) and clock.seconds_left(104.5) == 0
    clock.stop_at_end(104.5)
    assert not clock.playing and clock.step(2000.0) == 300


def test_pause_holds_the_frame_and_play_goes_on_from_it_or_starts_over_at_the_end():
    clock = replay.Clock(FRAMES, speed=5)
    clock.play(0.0)
    clock.pause(1.0)  # 5 frames in
    assert clock.step(50.0) == 20
    clock.play(10.0)
    assert clock.step(10.2) == 50
    clock.seek(300, 11.0)
    assert clock.finished(11.0)
    clock.pause(11.0)
    clock.play(12.0)  # at the end: Play replays from the first step
    assert clock.step(12.0) == 0 and clock.playing


def test_seek_stands_at_the_last_recorded_step_not_after_it_and_speed_changes_without_a_jump():
    clock = replay.Clock(FRAMES, speed=1)
    clock.seek(150, 0.0)
    assert clock.step(99.0) == 100  # paused: seeking does not start it
    clock.play(0.0)
    clock.set_speed(10, 0.5)  # still at 100 (half a frame at 1x)
    assert clock.step(0.5) == 100 and clock.step(0.6) == 200


def test_runs_at_a_step_hold_their_records_so_far_and_a_diverged_run_stays_diverged():
    records = [{"step": s, "status": "running"} for s in (0, 10, 20)] + [{"step": 30, "status": "done"}]
    done = {"arm": "BN", "status": "done", "steps": 30, "records": records}
    diverged = {
        "arm": "no BN",
        "status": "diverged",
        "steps": 30,
        "records": [*records[:2], {"step": 12, "status": "diverged"}],
    }
    at = replay.runs_at([done, diverged], 20)
    assert [len(r["records"]) for r in at] == [3, 3] and [r["status"] for r in at] == ["running", "diverged"]
    assert [r["step"] for r in at] == [20, 12]
    assert replay.runs_at([done], 30)[0]["status"] == "done" and done["records"] is records  # never changed
