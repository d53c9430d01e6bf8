// Every member of every struct the layout tables describe (frame_layout.cpp) must be listed there, and only
// real members: clang's __builtin_dump_struct names each member, which no standard C++ can, so this small
// program is built with clang++ (the wasm compiler) natively and run by `make -C firmware test`. The doctest
// suite checks offsets, kinds and padding; a member that hides in tail padding is only caught here.
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "gauge.h"

namespace {

char g_dump[1 << 16];
size_t g_len = 0;

int sink(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const int n = vsnprintf(g_dump + g_len, sizeof g_dump - g_len, fmt, ap);
    va_end(ap);
    if (n > 0) g_len += static_cast<size_t>(n) < sizeof g_dump - g_len ? static_cast<size_t>(n) : 0;
    return n;
}

int g_failures = 0;
int g_checked = 0;

bool listed(const gauge::layout::Struct& st, const char* name, size_t len) {
    for (uint32_t i = 0; i < st.field_count; ++i)
        if (strlen(st.fields[i].name) == len && strncmp(st.fields[i].name, name, len) == 0) return true;
    return false;
}

// The dump lists one top-level member per unindented line, "<type> <name> : <value>", nested structs'
// members indented below it.
void compare(const char* type, uint32_t index) {
    const gauge::layout::Struct& st = gauge::layout::kStructs[index];
    ++g_checked;
    uint32_t members = 0;
    const char* line = strchr(g_dump, '\n');  // skip "struct T {"
    while (line && *++line) {
        const char* end = strchr(line, '\n');
        if (!end) break;
        if (*line != ' ' && *line != '}') {
            const char* colon = strstr(line, " : ");
            const char* name_end = colon && colon < end ? colon : end;
            const char* name = name_end;
            while (name > line && name[-1] != ' ') --name;
            ++members;
            if (!listed(st, name, static_cast<size_t>(name_end - name))) {
                printf("layout: %s.%.*s is not listed in frame_layout.cpp\n", type,
                       static_cast<int>(name_end - name), name);
                ++g_failures;
            }
        }
        line = end;
    }
    if (members != st.field_count) {
        printf("layout: %s has %u members, frame_layout.cpp lists %u\n", type, members, st.field_count);
        ++g_failures;
    }
}

template <typename T>
void check(const char* type, uint32_t index) {
    static T value;  // zero-initialised, and off the stack (Drawing is large)
    g_len = 0;
    g_dump[0] = '\0';
    __builtin_dump_struct(&value, &sink);
    if (strcmp(gauge::layout::kStructs[index].name, type) != 0) {
        printf("layout: struct %u is %s, not %s\n", index, gauge::layout::kStructs[index].name, type);
        ++g_failures;
        return;
    }
    compare(type, index);
}

}  // namespace

int main() {
    namespace L = gauge::layout;
    namespace D = gauge::draw;
    check<gauge::TextBox>("TextBox", L::kTextBoxS);
    check<gauge::Zone>("Zone", L::kZoneS);
    check<gauge::Tick>("Tick", L::kTickS);
    check<gauge::Dial>("Dial", L::kDialS);
    check<gauge::LampView>("LampView", L::kLampViewS);
    check<gauge::Frame>("Frame", L::kFrameS);
    check<gauge::Usage>("Usage", L::kUsageS);
    check<D::PointF>("PointF", L::kPointS);
    check<D::Rect>("Rect", L::kRectS);
    check<D::TextPlacement>("TextPlacement", L::kTextPlacementS);
    check<D::TickMark>("TickMark", L::kTickMarkS);
    check<D::NeedleShape>("NeedleShape", L::kNeedleShapeS);
    check<D::DialDrawing>("DialDrawing", L::kDialDrawingS);
    check<D::LampDrawing>("LampDrawing", L::kLampDrawingS);
    check<D::Drawing>("Drawing", L::kDrawingS);
    if (g_checked != static_cast<int>(L::kStructCount)) {
        printf("layout: %d structs checked, the tables describe %u (add the new one here)\n", g_checked,
               static_cast<unsigned>(L::kStructCount));
        ++g_failures;
    }
    printf("layout: %d structs, %s\n", g_checked,
           g_failures == 0 ? "every member listed" : "members missing from frame_layout.cpp");
    return g_failures == 0 ? 0 : 1;
}
