"""/api/v1/products, owned by the sales service (retire a product with status "retired")."""
from __future__ import annotations

from gateway.crud import Resource, crud_router
from gateway.models.products import Product, ProductCreate, ProductListQuery, ProductUpdate

router = crud_router(Resource(
    path="products", singular="product", service="sales",
    create_model=ProductCreate, update_model=ProductUpdate, record_model=Product, list_query=ProductListQuery,
))
