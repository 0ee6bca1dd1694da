#include <algorithm>
#include <vector>

struct Point {
  int x, y;
};

void sort_points(std::vector<Point>& points) {
  std::sort(points.begin(), points.end());
}
