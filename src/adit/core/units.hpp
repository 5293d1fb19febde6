// Unit conversions used at boundaries. Names say the direction: value_in_A * kFactor = value_in_B.
#pragma once

namespace adit {

constexpr double kPi = 3.14159265358979323846;
constexpr double kRadiansPerDegree = kPi / 180.0;
constexpr double kDegreesPerRadian = 180.0 / kPi;
constexpr double kEvPerHartree = 27.211386245988;      // CODATA 2018
constexpr double kAngstromPerBohr = 0.529177210903;    // CODATA 2018
constexpr double kGramPerAmu = 1.66053906660e-24;      // g per atomic mass unit
constexpr double kCubicCmPerCubicAngstrom = 1e-24;

}  // namespace adit
