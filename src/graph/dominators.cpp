#include "graph/dominators.hpp"

#include <utility>

namespace heapdump {

DominatorTree compute_dominators(const ObjectGraph& g) {
  const uint32_t n = g.size();
  const uint32_t S = n;  // super-root
  DominatorTree t;
  t.super_root = S;

  // 1. Iterative DFS from the super-root: preorder numbers and DFS parents.
  std::vector<uint32_t> dfnum(static_cast<size_t>(n) + 1, kNoNode);
  std::vector<uint32_t> vertex;  // dfnum -> node
  std::vector<uint32_t> parent;  // dfnum -> dfnum
  vertex.reserve(n + 1);
  parent.reserve(n + 1);
  dfnum[S] = 0;
  vertex.push_back(S);
  parent.push_back(kNoNode);
  struct Frame {  // 8 bytes: the stack can get as deep as the graph is big
    uint32_t node;
    uint32_t next;  // next edge (for S: next root) to look at
  };
  std::vector<Frame> stack;
  stack.push_back({S, 0});
  const auto& roots = g.roots();
  while (!stack.empty()) {
    Frame& f = stack.back();
    uint32_t to = kNoNode;
    if (f.node == S) {
      if (f.next < roots.size()) to = roots[f.next++].node;
      // (more than 2^32 root references or edges of one object cannot occur:
      // node ids are 32-bit and a dump line would be tens of GB)
    } else {
      const uint32_t* b = g.edges_begin(f.node);
      if (b + f.next < g.edges_end(f.node)) to = b[f.next++];
    }
    if (to == kNoNode) {
      stack.pop_back();
      continue;
    }
    if (dfnum[to] != kNoNode) continue;
    dfnum[to] = static_cast<uint32_t>(vertex.size());
    parent.push_back(dfnum[f.node]);
    vertex.push_back(to);
    stack.push_back({to, 0});
  }
  release(&stack);
  const uint32_t R = static_cast<uint32_t>(vertex.size());

  // 2. Predecessors (in dfnum space) of every reachable node, CSR.
  std::vector<uint64_t> pred_off(static_cast<size_t>(R) + 1, 0);
  for (const GraphRoot& r : roots) ++pred_off[dfnum[r.node] + 1];
  for (uint32_t d = 1; d < R; ++d) {
    const uint32_t v = vertex[d];
    for (const uint32_t* e = g.edges_begin(v); e != g.edges_end(v); ++e) ++pred_off[dfnum[*e] + 1];
  }
  for (uint32_t d = 0; d < R; ++d) pred_off[d + 1] += pred_off[d];
  std::vector<uint32_t> preds(pred_off[R]);
  {
    std::vector<uint64_t> fill(pred_off.begin(), pred_off.end() - 1);
    for (const GraphRoot& r : roots) preds[fill[dfnum[r.node]]++] = 0;
    for (uint32_t d = 1; d < R; ++d) {
      const uint32_t v = vertex[d];
      for (const uint32_t* e = g.edges_begin(v); e != g.edges_end(v); ++e) {
        preds[fill[dfnum[*e]]++] = d;
      }
    }
  }

  release(&dfnum);
  // 3. Semidominators and immediate dominators (Lengauer-Tarjan).
  std::vector<uint32_t> semi(R), label(R), ancestor(R, kNoNode), idom(R, 0);
  std::vector<uint32_t> bucket_head(R, kNoNode), bucket_next(R, kNoNode);
  for (uint32_t d = 0; d < R; ++d) semi[d] = label[d] = d;
  std::vector<uint32_t> path;
  auto eval = [&](uint32_t v) -> uint32_t {
    if (ancestor[v] == kNoNode) return v;
    // compress(v), iteratively: collect the path up to the node whose
    // ancestor is a tree root, then fold labels from the top down.
    uint32_t u = v;
    while (ancestor[ancestor[u]] != kNoNode) {
      path.push_back(u);
      u = ancestor[u];
    }
    while (!path.empty()) {
      const uint32_t x = path.back();
      path.pop_back();
      const uint32_t a = ancestor[x];
      if (semi[label[a]] < semi[label[x]]) label[x] = label[a];
      ancestor[x] = ancestor[a];
    }
    return label[v];
  };
  for (uint32_t w = R - 1; w >= 1; --w) {
    for (uint64_t k = pred_off[w]; k < pred_off[w + 1]; ++k) {
      const uint32_t u = eval(preds[k]);
      if (semi[u] < semi[w]) semi[w] = semi[u];
    }
    bucket_next[w] = bucket_head[semi[w]];
    bucket_head[semi[w]] = w;
    const uint32_t p = parent[w];
    ancestor[w] = p;
    for (uint32_t v = bucket_head[p]; v != kNoNode; v = bucket_next[v]) {
      const uint32_t u = eval(v);
      idom[v] = semi[u] < semi[v] ? u : p;
    }
    bucket_head[p] = kNoNode;
  }
  for (uint32_t w = 1; w < R; ++w) {
    if (idom[w] != semi[w]) idom[w] = idom[idom[w]];
  }
  release(&pred_off);
  release(&preds);
  release(&label);
  release(&ancestor);
  release(&bucket_head);
  release(&bucket_next);
  release(&semi);
  release(&parent);

  // 4. Retained sizes: fold each node into its dominator, deepest first
  // (a dominator always has a smaller preorder number).
  WideSizes ret(R);
  for (uint32_t d = 1; d < R; ++d) ret.set(d, g.memsize(vertex[d]));
  for (uint32_t w = R - 1; w >= 1; --w) ret.add(idom[w], ret[w]);

  t.idom.assign(n, kNoNode);
  t.retained = WideSizes(n);
  t.preorder.resize(R - 1);
  for (uint32_t d = 1; d < R; ++d) {
    const uint32_t v = vertex[d];
    t.idom[v] = vertex[idom[d]];
    t.retained.set(v, ret[d]);
    t.preorder[d - 1] = v;
  }
  t.reachable_bytes = ret[0];
  return t;
}

DominatorChildren dominator_children(const DominatorTree& t) {
  const size_t n = t.idom.size();
  DominatorChildren c;
  c.offset.assign(n + 2, 0);
  for (uint32_t v : t.preorder) ++c.offset[t.idom[v] + 1];
  for (size_t i = 0; i <= n; ++i) c.offset[i + 1] += c.offset[i];
  c.child.resize(t.preorder.size());
  std::vector<uint32_t> fill(c.offset.begin(), c.offset.end() - 1);
  for (uint32_t v : t.preorder) c.child[fill[t.idom[v]]++] = v;
  return c;
}

}  // namespace heapdump
