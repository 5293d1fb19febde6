#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "adit/core/parallel.hpp"

TEST_CASE("parallel_for runs every index once, on the workers asked for", "[parallel]") {
    for (int threads : {1, 3}) {
        std::vector<std::atomic<int>> hits(101);
        std::vector<std::thread::id> who(101);
        std::atomic<int> started{0};
        adit::parallel_for(
            hits.size(), threads, [&](std::size_t i) { ++hits[i]; who[i] = std::this_thread::get_id(); },
            [&] { ++started; });
        for (const auto& h : hits) CHECK(h == 1);
        const std::set<std::thread::id> distinct(who.begin(), who.end());
        if (threads == 1) {
            CHECK(started == 0);  // all on the calling thread, no worker started
            CHECK(distinct == std::set<std::thread::id>{std::this_thread::get_id()});
        } else {
            CHECK(started == threads);
            CHECK(distinct.count(std::this_thread::get_id()) == 0);
        }
    }
    int calls = 0;
    adit::parallel_for(0, 4, [&](std::size_t) { ++calls; });
    CHECK(calls == 0);
}

TEST_CASE("parallel_for rethrows the first exception once every worker has stopped", "[parallel]") {
    for (int threads : {1, 4}) {
        std::atomic<int> done{0};
        CHECK_THROWS_WITH(adit::parallel_for(1000, threads,
                                             [&](std::size_t i) {
                                                 if (i == 10) throw std::runtime_error("record 10 is bad");
                                                 ++done;
                                             }),
                          "record 10 is bad");
        CHECK(done < 1000);  // the others stopped early instead of finishing the range
    }
}
