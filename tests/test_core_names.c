/* test_core_names.c -- file names (ha_name.c) and their UTC stamps
 * (ha_utc.c), against agora-facts.md and against libc's gmtime_r.
 *
 * The expected names are written out in full: the documentation's forms,
 * the seed's own example bak0_<sid>_<cname>.m3u8, the web mode's '-' for
 * special characters, MP4 indexes, and a name that does not fit (0, ""). */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ha_name.h"
#include "ha_utc.h"

#define SID "0123456789abcdef0123456789abcdef"


/* A stamp alone: through a cache that holds no day. */
static void utc_format(char out[HA_UTC_LEN + 1], int64_t ms)
{
    ha_utc_day_t none = {0};
    ha_utc_format_day(out, ms, &none);
}

static ha_stream_name_t mix(ha_mode_t mode, const char *cname)
{
    ha_stream_name_t st = {mode, SID, cname, 0, HA_TRACK_MIX};
    return st;
}

static ha_stream_name_t user(uint32_t uid, ha_track_t track)
{
    ha_stream_name_t st = {HA_MODE_INDIVIDUAL, SID, "room", uid, track};
    return st;
}

static void expect_playlist(ha_stream_name_t st, int bak, const char *want)
{
    char out[HA_NAME_MAX];
    memset(out, 'x', sizeof(out));
    size_t n = ha_name_playlist(out, sizeof(out), &st, bak);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

/* The center names a slice from its playlist's name, as here. */
static size_t name_slice(char out[HA_NAME_MAX], ha_stream_name_t st, int bak, ha_fmt_t fmt,
                         int64_t utc)
{
    char playlist[HA_NAME_MAX];
    size_t playlist_len = ha_name_playlist(playlist, sizeof(playlist), &st, bak);
    ha_utc_day_t day = {0};
    return ha_name_slice_of(out, HA_NAME_MAX, playlist, playlist_len, fmt, utc, &day);
}

static void expect_slice(ha_stream_name_t st, int bak, ha_fmt_t fmt, int64_t utc, const char *want)
{
    char out[HA_NAME_MAX];
    size_t n = name_slice(out, st, bak, fmt, utc);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void expect_mp4(ha_stream_name_t st, int bak, uint32_t index, const char *want)
{
    char out[HA_NAME_MAX];
    size_t n = ha_name_mp4(out, sizeof(out), &st, bak, index);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

/* 2019-06-11T07:32:46.073Z, agora-facts.md's example */
#define T0 1560238366073LL

static void test_composite_names(void **state)
{
    (void)state;
    ha_stream_name_t st = mix(HA_MODE_COMPOSITE, "room");
    expect_playlist(st, -1, SID "_room.m3u8");
    expect_slice(st, -1, HA_FMT_TS, T0, SID "_room_20190611073246073.ts");
    expect_mp4(st, -1, 0, SID "_room_0.mp4");
    expect_mp4(st, -1, 1, SID "_room_1.mp4");
    expect_mp4(st, -1, 10, SID "_room_10.mp4");
    expect_mp4(st, -1, UINT32_MAX, SID "_room_4294967295.mp4");
}

static void test_individual_names_audio_video_ts_webm(void **state)
{
    (void)state;
    expect_playlist(user(7, HA_TRACK_AUDIO), -1, SID "_room__uid_s_7__uid_e_audio.m3u8");
    expect_playlist(user(7, HA_TRACK_VIDEO), -1, SID "_room__uid_s_7__uid_e_video.m3u8");
    expect_slice(user(7, HA_TRACK_AUDIO), -1, HA_FMT_TS, T0,
                 SID "_room__uid_s_7__uid_e_audio_20190611073246073.ts");
    expect_slice(user(4294967295u, HA_TRACK_VIDEO), -1, HA_FMT_WEBM, T0,
                 SID "_room__uid_s_4294967295__uid_e_video_20190611073246073.webm");
    expect_slice(user(1, HA_TRACK_VIDEO), 2, HA_FMT_TS, T0,
                 "bak2_" SID "_room__uid_s_1__uid_e_video_20190611073246073.ts");
    expect_playlist(user(1, HA_TRACK_AUDIO), 0, "bak0_" SID "_room__uid_s_1__uid_e_audio.m3u8");
}

static void test_web_names_special_characters_become_dashes(void **state)
{
    (void)state;
    expect_playlist(mix(HA_MODE_WEB, "my room#1"), -1, SID "_my-room-1.m3u8");
    expect_playlist(mix(HA_MODE_WEB, "a.b/c\\d:e*f?g\"h<i>j|k"), -1,
                    SID "_a-b-c-d-e-f-g-h-i-j-k.m3u8");
    expect_playlist(mix(HA_MODE_WEB, "keep_AZaz09-"), 0, "bak0_" SID "_keep_AZaz09-.m3u8");
    expect_playlist(mix(HA_MODE_WEB, "caf\xc3\xa9"), -1, SID "_caf--.m3u8"); /* UTF-8 bytes */
    expect_slice(mix(HA_MODE_WEB, "x y"), 1, HA_FMT_TS, T0, "bak1_" SID "_x-y_20190611073246073.ts");
    expect_mp4(mix(HA_MODE_WEB, "x y"), -1, 3, SID "_x-y_3.mp4");
    /* composite keeps the channel name as it is */
    expect_playlist(mix(HA_MODE_COMPOSITE, "my room#1"), -1, SID "_my room#1.m3u8");
}

static void test_bak_prefixes_and_the_seed_example(void **state)
{
    (void)state;
    /* the seed: "bak0_<sid>_<cname>.m3u8" */
    expect_playlist(mix(HA_MODE_COMPOSITE, "cname"), 0, "bak0_" SID "_cname.m3u8");
    ha_stream_name_t st = mix(HA_MODE_COMPOSITE, "room");
    expect_playlist(st, 1, "bak1_" SID "_room.m3u8");
    expect_playlist(st, 2, "bak2_" SID "_room.m3u8");
    expect_slice(st, 0, HA_FMT_TS, T0, "bak0_" SID "_room_20190611073246073.ts");
    expect_slice(st, 1, HA_FMT_TS, T0, "bak1_" SID "_room_20190611073246073.ts");
    expect_mp4(st, 0, 0, "bak0_" SID "_room_0.mp4");
    expect_mp4(st, 2, 5, "bak2_" SID "_room_5.mp4");
    expect_playlist(st, 10, "bak10_" SID "_room.m3u8"); /* digits, not a char */
    /* -1 and below: the ordinary name */
    expect_playlist(st, -1, SID "_room.m3u8");
    expect_playlist(st, -2, SID "_room.m3u8");
}

/* Every part of a name is bounded, so the longest one the service can ask
 * for is known: it must fit HA_NAME_MAX with room to spare (ha_name.c also
 * proves it at compile time; this checks the proof against real output). */
static void test_the_longest_names_fit(void **state)
{
    (void)state;
    char cname[HA_CNAME_MAX + 1];
    memset(cname, 'c', HA_CNAME_MAX);
    cname[HA_CNAME_MAX] = '\0';
    char out[HA_NAME_MAX];
    ha_stream_name_t big = {HA_MODE_INDIVIDUAL, SID, cname, 4294967295u, HA_TRACK_VIDEO};
    size_t n = name_slice(out, big, 2, HA_FMT_WEBM, 253402300799999LL);
    /* bak2_ sid _ cname __uid_s_ 4294967295 __uid_e_ video _ 99991231235959999 .webm */
    assert_int_equal(n, 5 + 32 + 1 + 64 + 8 + 10 + 8 + 5 + 1 + 17 + 5);
    assert_int_equal(n, strlen(out));
    assert_true(n < HA_NAME_MAX);
    ha_stream_name_t mix_big = {HA_MODE_WEB, SID, cname, 0, HA_TRACK_MIX};
    n = ha_name_mp4(out, sizeof(out), &mix_big, 2147483647, 4294967295u);
    assert_int_equal(n, 3 + 10 + 1 + 32 + 1 + 64 + 1 + 10 + 4);
    assert_int_equal(n, strlen(out));
}

static void expect_utc(int64_t ms, const char *want)
{
    char out[HA_UTC_LEN + 1];
    memset(out, 'x', sizeof(out));
    utc_format(out, ms);
    assert_string_equal(out, want);
}

static void test_utc_known_dates(void **state)
{
    (void)state;
    expect_utc(0, "19700101000000000");
    expect_utc(1, "19700101000000001");
    expect_utc(999, "19700101000000999");
    expect_utc(86399999, "19700101235959999");
    expect_utc(86400000, "19700102000000000");
    expect_utc(T0, "20190611073246073");                /* agora-facts.md */
    expect_utc(951782400000LL, "20000229000000000");     /* leap day, century /400 */
    expect_utc(1709210096789LL, "20240229123456789");    /* leap day */
    expect_utc(68169600001LL, "19720229000000001");      /* first leap day after 1970 */
    expect_utc(946684799999LL, "19991231235959999");     /* year boundary */
    expect_utc(946684800000LL, "20000101000000000");
    expect_utc(978220800000LL, "20001231000000000");     /* day 366 of a leap year */
    expect_utc(4107542399999LL, "21000228235959999");    /* 2100 is not leap */
    expect_utc(4107542400000LL, "21000301000000000");
    expect_utc(253402300799999LL, "99991231235959999");  /* the last ms it accepts */
}

static void fmt_libc(int64_t ms, char out[HA_UTC_LEN + 1])
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    assert_non_null(gmtime_r(&secs, &tm));
    char wide[96];
    snprintf(wide, sizeof(wide), "%04d%02d%02d%02d%02d%02d%03d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    assert_int_equal(strlen(wide), HA_UTC_LEN);
    memcpy(out, wide, HA_UTC_LEN + 1);
}

/* Against gmtime_r: every day of 1970-1973, 1999-2001, 2099-2101, and a
 * stride through the whole range with varying times of day. */
static void test_utc_against_gmtime(void **state)
{
    (void)state;
    if (sizeof(time_t) < 8)
        skip();
    const int64_t day = 86400000LL;
    const int64_t spans[][2] = {
        {0, 4 * 366},
        {946684800000LL / 86400000LL - 366, 946684800000LL / 86400000LL + 2 * 366},
        {4102444800000LL / 86400000LL - 366, 4102444800000LL / 86400000LL + 2 * 366},
    };
    char a[HA_UTC_LEN + 1], b[HA_UTC_LEN + 1];
    uint64_t x = 12345;
    for (size_t s = 0; s < sizeof(spans) / sizeof(spans[0]); s++) {
        for (int64_t d = spans[s][0]; d < spans[s][1]; d++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            int64_t ms = d * day + (int64_t)((x >> 33) % (uint64_t)day);
            utc_format(a, ms);
            fmt_libc(ms, b);
            assert_string_equal(a, b);
            utc_format(a, d * day);
            fmt_libc(d * day, b);
            assert_string_equal(a, b);
        }
    }
    for (int64_t d = 0; d < 2932897; d += 37) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        int64_t ms = d * day + (int64_t)((x >> 33) % (uint64_t)day);
        if (ms >= 253402300800000LL)
            break;
        utc_format(a, ms);
        fmt_libc(ms, b);
        assert_string_equal(a, b);
    }
}

/* The day cache gives what a fresh one gives, whatever the order of the
 * times (forward, across midnight, back a day), and a date held for
 * another day is never used. */
static void test_utc_day_cache(void **state)
{
    (void)state;
    const int64_t day = 86400000LL;
    const int64_t t0 = 20454LL * day; /* 2026-01-01 */
    const int64_t times[] = {t0,           t0 + 1,       t0 + day - 1, t0 + day,
                             t0 + day - 1, t0 - 1,       0,            t0 + 40 * day + 5,
                             t0 + 40 * day + 6, 253402300799999LL, t0};
    ha_utc_day_t cache = {0};
    char a[HA_UTC_LEN + 1], b[HA_UTC_LEN + 1];
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        ha_utc_format_day(a, times[i], &cache);
        utc_format(b, times[i]);
        assert_string_equal(a, b);
        assert_true(cache.held && cache.days == times[i] / day);
    }
    /* A wrong date planted for one day: used for that day only (so the
     * cache is really read), never for another. */
    cache.days = t0 / day;
    memcpy(cache.ymd, "19991231", 8);
    ha_utc_format_day(a, t0 + 5, &cache);
    assert_memory_equal(a, "19991231", 8);
    ha_utc_format_day(a, t0 + day, &cache);
    assert_string_equal(a, "20260102000000000");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_composite_names),
        cmocka_unit_test(test_utc_day_cache),
        cmocka_unit_test(test_individual_names_audio_video_ts_webm),
        cmocka_unit_test(test_web_names_special_characters_become_dashes),
        cmocka_unit_test(test_bak_prefixes_and_the_seed_example),
        cmocka_unit_test(test_the_longest_names_fit),
        cmocka_unit_test(test_utc_known_dates),
        cmocka_unit_test(test_utc_against_gmtime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
