"""Operations: metric math, health rules, alert de-duplication and Prometheus text (framework-free)."""
